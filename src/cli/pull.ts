import fs from "node:fs/promises";
import path from "node:path";
import { countOf } from "../french-plural.js";
import { lineDiff } from "../metabase/plan-text.js";
import { planPull } from "../metabase/pull.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { COMMON_OPTIONS, COMMON_USAGE, SYNC_EXIT_CODES, withSyncSession } from "./metabase-sync.js";
import { parseCommandArgs } from "./options.js";

const USAGE = `pull [--dry-run] [--root DOSSIER] [--verbose]

Rapatrie dans les fichiers les modifications faites dans l'interface de Metabase sur les objets gérés
depuis le dernier apply (SQL, nom, description, type de graphique, réglages de visualisation, disposition
des cartes), pour les relire dans git. Les verrous, filtres et réglages d'intégration ne sont jamais
rapatriés : ils sont définis dans les fichiers seulement, et apply les rétablit.
--dry-run       montrer le diff des fichiers sans les écrire
${COMMON_USAGE}`;

const OPTIONS = { "dry-run": { type: "boolean" }, ...COMMON_OPTIONS } as const;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS);
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
      io.stdout(
        `${countOf(edits.length, "fichier serait modifié", "fichiers seraient modifiés")} (--dry-run : rien n'est écrit).\n`,
      );
    else {
      io.stdout(
        `${countOf(edits.length, "fichier mis à jour", "fichiers mis à jour")} : ${edits.map((e) => e.file).join(", ")}.\nRelisez-${edits.length > 1 ? "les" : "le"} (git diff), lancez \`pilotage validate\`, puis \`pilotage apply\` pour enregistrer cette version.\n`,
      );
    }
    return EXIT.ok;
  });
}

export const pullCommand: CliCommand = {
  summary: "rapatrier dans les fichiers les modifications faites dans Metabase",
  usage: USAGE,
  exitCodes: {
    [EXIT.ok]: "rien à rapatrier, ou les fichiers sont écrits (ou montrés avec --dry-run)",
    ...SYNC_EXIT_CODES,
  },
  options: OPTIONS,
  run,
};
