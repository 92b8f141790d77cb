import { parseArgs } from "node:util";
import { applyPlan } from "../metabase/apply.js";
import { MetabaseError } from "../metabase/errors.js";
import { renderPlan, summary } from "../metabase/plan-text.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { COMMON_OPTIONS, COMMON_USAGE, withSyncSession } from "./metabase-sync.js";

const USAGE = `apply [--root DOSSIER] [--verbose]

Applique le plan à Metabase : crée, met à jour, restaure (même id) ou archive (jamais de suppression) les
questions, tableaux de bord et collections gérés, règle leur intégration exactement comme les fichiers le
disent, puis relit chaque tableau de bord dans Metabase et vérifie son contrat de verrouillage. La passerelle
ne signe de jeton que pour les tableaux de bord vérifiés. Un second apply ne change rien.
${COMMON_USAGE}
Code de sortie : 0 si tout est appliqué et vérifié, 1 si un contrat de verrouillage est rompu ou si un
conflit empêche d'appliquer, 3 pour une configuration incomplète, 4 si Metabase ne répond pas correctement.`;

async function run(args: string[], io: CliIo): Promise<number> {
  let values: { root?: string | undefined; verbose?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args, options: COMMON_OPTIONS }));
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\nUsage : pilotage ${USAGE}\n`);
    return EXIT.usage;
  }
  return withSyncSession(io, values, async ({ session, db }) => {
    const { plan, context, client } = session;
    if (plan.hasChanges) io.stderr(renderPlan(plan));
    const result = await applyPlan({ client, db, plan, context, progress: (line) => io.stderr(`${line}\n`) });
    if (result.breaches.length > 0) {
      throw new MetabaseError(
        "contract",
        `Contrat de verrouillage rompu dans Metabase après écriture : la passerelle ne signera pas de jeton pour ${result.breaches.map((b) => b.dashboard).join(", ")}. Corrigez la définition (ou ce que Metabase refuse), puis relancez \`pilotage apply\`.`,
        {
          problems: result.breaches.flatMap((b) =>
            b.problems.map((p) => `${b.dashboard} (#${b.metabaseId}) : ${p}`),
          ),
        },
      );
    }
    io.stdout(
      `${plan.hasChanges ? summary(plan).replace("`pilotage apply` les appliquera.", "Appliqué.") : "Aucun changement à écrire."} ${result.verified.length} tableau(x) de bord vérifié(s) (verrous relus dans Metabase).\n`,
    );
    return EXIT.ok;
  });
}

export const applyCommand: CliCommand = {
  summary: "appliquer le plan à Metabase et vérifier les verrous relus",
  usage: USAGE,
  run,
};
