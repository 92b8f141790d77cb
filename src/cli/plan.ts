import { renderPlanMarkdown } from "../metabase/plan-markdown.js";
import { renderPlan } from "../metabase/plan-text.js";
import { EXIT, UsageError, type CliCommand, type CliIo } from "./command.js";
import { COMMON_OPTIONS, COMMON_USAGE, SYNC_EXIT_CODES, withSyncSession } from "./metabase-sync.js";
import { parseCommandArgs } from "./options.js";

const USAGE = `plan [--format texte|json|markdown] [--json] [--root DOSSIER] [--verbose]

Compare les fichiers (sql/, metabase-config/) à Metabase, sans rien y écrire : pour chaque objet géré,
ce qu'apply ferait (créer, modifier, restaurer, archiver), le diff du SQL, des filtres, des verrous et de la
disposition des cartes, les modifications faites dans Metabase depuis le dernier apply (dérive), et ce qui
changerait un id utilisé par des intégrations.
--format        texte (par défaut), json, ou markdown (un rapport à publier sur une demande de fusion)
--json          comme --format json
${COMMON_USAGE}
Un contrat de verrouillage rompu dans Metabase (un filtre verrouillé rendu modifiable, une carte qui n'y
est plus reliée) retire aussitôt la vérification du tableau de bord dans la base de la passerelle, qui ne
signe plus de jeton pour lui jusqu'au prochain apply réussi : plan a besoin d'écrire dans DATABASE_URL.`;

const OPTIONS = { format: { type: "string" }, json: { type: "boolean" }, ...COMMON_OPTIONS } as const;
const FORMATS = ["texte", "json", "markdown"] as const;

/** Like `terraform plan -detailed-exitcode`: CI fails on drift or pending changes. */
export const PLAN_HAS_CHANGES = 2;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS);
  const format = values.json ? "json" : (values.format ?? "texte");
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format : « ${format} » inconnu (attendu : ${FORMATS.join(", ")}).`);
  }
  if (values.json && values.format && values.format !== "json") {
    throw new UsageError(`--json et --format ${values.format} se contredisent : gardez l'un des deux.`);
  }
  return withSyncSession(io, values, async ({ session }) => {
    const { plan } = session;
    io.stdout(
      format === "json"
        ? `${JSON.stringify(plan, null, 2)}\n`
        : format === "markdown"
          ? renderPlanMarkdown(plan)
          : renderPlan(plan),
    );
    // A broken lock is a failure, not a pending change: CI and people must not read it as mere drift.
    if (plan.breaches.length > 0) return EXIT.failed;
    return plan.hasChanges ? PLAN_HAS_CHANGES : EXIT.ok;
  });
}

export const planCommand: CliCommand = {
  summary: "montrer ce qu'apply changerait dans Metabase (et la dérive)",
  usage: USAGE,
  exitCodes: {
    [EXIT.ok]: "rien ne changerait : Metabase est conforme aux fichiers",
    [PLAN_HAS_CHANGES]: "quelque chose changerait (modification des fichiers ou dérive dans Metabase)",
    ...SYNC_EXIT_CODES,
    [EXIT.failed]:
      "un contrat de verrouillage est rompu dans Metabase (la passerelle ne signe plus pour ce tableau de bord), catalogue invalide, Metabase pas prêt ou conflit",
  },
  options: OPTIONS,
  run,
};
