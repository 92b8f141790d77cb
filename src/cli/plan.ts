import { parseArgs } from "node:util";
import { renderPlan } from "../metabase/plan-text.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { COMMON_OPTIONS, COMMON_USAGE, withSyncSession } from "./metabase-sync.js";

const USAGE = `plan [--json] [--root DOSSIER] [--verbose]

Compare les fichiers (sql/, metabase-config/) à Metabase, sans rien y écrire : pour chaque objet géré,
ce qu'apply ferait (créer, modifier, restaurer, archiver), le diff du SQL, des filtres, des verrous et de la
disposition des cartes, les modifications faites dans Metabase depuis le dernier apply (dérive), et ce qui
changerait un id utilisé par des intégrations.
--json          le plan en JSON
${COMMON_USAGE}
Un contrat de verrouillage rompu dans Metabase (un filtre verrouillé rendu modifiable, une carte qui n'y
est plus reliée) retire aussitôt la vérification du tableau de bord dans la base de la passerelle, qui ne
signe plus de jeton pour lui jusqu'au prochain apply réussi : plan a besoin d'écrire dans DATABASE_URL.
Code de sortie : 0 si rien ne changerait, 2 si quelque chose changerait (dérive incluse), 1 si un contrat
de verrouillage est rompu dans Metabase ou si Metabase n'est pas prêt, 3 pour une configuration
incomplète, 4 si Metabase ne répond pas correctement.`;

async function run(args: string[], io: CliIo): Promise<number> {
  let values: { json?: boolean | undefined; root?: string | undefined; verbose?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args, options: { json: { type: "boolean" }, ...COMMON_OPTIONS } }));
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\nUsage : pilotage ${USAGE}\n`);
    return EXIT.usage;
  }
  return withSyncSession(io, values, async ({ session }) => {
    const { plan } = session;
    io.stdout(values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    // A broken lock is a failure, not a pending change: CI and people must not read it as mere drift.
    if (plan.breaches.length > 0) return EXIT.failed;
    return plan.hasChanges ? PLAN_HAS_CHANGES : EXIT.ok;
  });
}

/** Like `terraform plan -detailed-exitcode`: CI fails on drift or pending changes. */
export const PLAN_HAS_CHANGES = 2;

export const planCommand: CliCommand = {
  summary: "montrer ce qu'apply changerait dans Metabase (et la dérive)",
  usage: USAGE,
  run,
};
