import { countOf } from "../french-plural.js";
import { applyPlan } from "../metabase/apply.js";
import { MetabaseError } from "../metabase/errors.js";
import { renderPlan, summary } from "../metabase/plan-text.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { COMMON_OPTIONS, COMMON_USAGE, SYNC_EXIT_CODES, withSyncSession } from "./metabase-sync.js";
import { parseCommandArgs } from "./options.js";

const USAGE = `apply [--root DOSSIER] [--verbose]

Applique le plan à Metabase : crée, met à jour, restaure (même id) ou archive (jamais de suppression) les
questions, tableaux de bord et collections gérés, règle leur intégration exactement comme les fichiers le
disent, puis relit chaque tableau de bord dans Metabase et vérifie son contrat de verrouillage. La passerelle
ne signe de jeton que pour les tableaux de bord vérifiés. Un second apply ne change rien.
${COMMON_USAGE}`;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, COMMON_OPTIONS);
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
      `${plan.hasChanges ? summary(plan).replace("`pilotage apply` les appliquera.", "Appliqué.") : "Aucun changement à écrire."} ${countOf(result.verified.length, "tableau de bord vérifié", "tableaux de bord vérifiés")} (verrous relus dans Metabase).\n`,
    );
    return EXIT.ok;
  });
}

export const applyCommand: CliCommand = {
  summary: "appliquer le plan à Metabase et vérifier les verrous relus",
  usage: USAGE,
  exitCodes: { [EXIT.ok]: "tout est appliqué et les verrous relus sont conformes", ...SYNC_EXIT_CODES },
  options: COMMON_OPTIONS,
  run,
};
