import fs from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { lineDiff } from "../metabase/plan-text.js";
import { planPull } from "../metabase/pull.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { COMMON_OPTIONS, COMMON_USAGE, withSyncSession } from "./metabase-sync.js";

const USAGE = `pull [--dry-run] [--root DOSSIER] [--verbose]

Rapatrie dans les fichiers les modifications faites dans l'interface de Metabase sur les objets gérés
depuis le dernier apply (SQL, nom, description, type de graphique, réglages de visualisation, disposition
des cartes), pour les relire dans git. Les verrous, filtres et réglages d'intégration ne sont jamais
rapatriés : ils sont définis dans les fichiers seulement, et apply les rétablit.
--dry-run       montrer le diff des fichiers sans les écrire
${COMMON_USAGE}
Code de sortie : 0 (rien à rapatrier ou fichiers écrits), 1 si Metabase n'est pas prêt, 3 pour une
configuration incomplète, 4 si Metabase ne répond pas correctement.`;

async function run(args: string[], io: CliIo): Promise<number> {
  let values: { "dry-run"?: boolean | undefined; root?: string | undefined; verbose?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args, options: { "dry-run": { type: "boolean" }, ...COMMON_OPTIONS } }));
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\nUsage : pilotage ${USAGE}\n`);
    return EXIT.usage;
  }
  return withSyncSession(io, values, async ({ session, definitions, root }) => {
    const sources = [
      ...definitions.questions.map((q) => ({ id: `card:${q.key}`, file: q.file })),
      ...definitions.dashboards.map((d) => ({ id: `dashboard:${d.key}`, file: d.file })),
    ];
    const files = new Map<string, { file: string; text: string }>();
    for (const { id, file } of sources) {
      if (file) files.set(id, { file, text: await fs.readFile(path.join(root, file), "utf8") });
    }
    const { edits, notes } = planPull(session.plan, files);
    for (const edit of edits) {
      if (values["dry-run"]) {
        io.stdout(
          `--- ${edit.file}\n+++ ${edit.file} (Metabase)\n${lineDiff(edit.before, edit.after).join("\n")}\n\n`,
        );
      } else {
        await fs.writeFile(path.join(root, edit.file), edit.after, "utf8");
      }
    }
    for (const note of notes) io.stderr(`· ${note}\n`);
    if (edits.length === 0)
      io.stdout("Rien à rapatrier : aucune modification faite dans Metabase sur les objets gérés.\n");
    else if (values["dry-run"])
      io.stdout(`${edits.length} fichier(s) seraient modifiés (--dry-run : rien n'est écrit).\n`);
    else {
      io.stdout(
        `${edits.length} fichier(s) mis à jour : ${edits.map((e) => e.file).join(", ")}.\nRelisez-les (git diff), lancez \`pilotage validate\`, puis \`pilotage apply\` pour enregistrer cette version.\n`,
      );
    }
    return EXIT.ok;
  });
}

export const pullCommand: CliCommand = {
  summary: "rapatrier dans les fichiers les modifications faites dans Metabase",
  usage: USAGE,
  run,
};
