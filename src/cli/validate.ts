import path from "node:path";
import { parseArgs } from "node:util";
import { checkCatalog, type Catalog, type CatalogProblem } from "../catalog/index.js";
import { PROJECT_ROOT } from "../project-root.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";

const USAGE = `validate [--json] [--root DOSSIER]

Vérifie sql/, metabase-config/ et notes/ : format des fichiers, tags {{…}} et paramètres déclarés,
tableaux de bord (questions, grille, types), contrat des verrous, taille des adresses intégrées, et
notes d'analyse (blocs, valeurs citées, questions publiques des notes publiques).
--root   dossier contenant sql/, metabase-config/ et notes/ (par défaut : le dépôt)
--json   sortie JSON { ok, counts, problems: [{ rule, file, line, message, hint }] }
Code de sortie : 0 si tout est valide, 1 sinon, 2 en cas d'option inconnue.`;

function counts(catalog: Catalog) {
  return {
    questions: catalog.questions.length,
    dashboards: catalog.dashboards.length,
    collections: catalog.collections.length,
    profileKinds: catalog.profileKinds.length,
    notes: catalog.notes.length,
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n <= 1 ? one : many}`;
}

function formatProblem(problem: CatalogProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where} — ${problem.message}\n  → ${problem.hint}\n`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  let values: { json?: boolean | undefined; root?: string | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: { json: { type: "boolean" }, root: { type: "string" } },
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\nUsage : pilotage ${USAGE}\n`);
    return EXIT.usage;
  }
  const root = path.resolve(values.root ?? PROJECT_ROOT);
  const { catalog, problems, stage } = await checkCatalog(root);
  const ok = problems.length === 0;
  if (values.json) {
    io.stdout(`${JSON.stringify({ ok, root, counts: counts(catalog), problems }, null, 2)}\n`);
    return ok ? EXIT.ok : EXIT.failed;
  }
  const c = counts(catalog);
  const summary = `${plural(c.questions, "question", "questions")}, ${plural(c.dashboards, "tableau de bord", "tableaux de bord")}, ${plural(c.collections, "collection", "collections")}, ${plural(c.profileKinds, "type de profil", "types de profil")}, ${plural(c.notes, "note d'analyse", "notes d'analyse")}`;
  if (ok) {
    io.stdout(`Catalogue valide (${root}) : ${summary}.\n`);
    return EXIT.ok;
  }
  io.stderr(problems.map(formatProblem).join(""));
  const files = new Set(problems.map((p) => p.file)).size;
  io.stderr(
    `\n${plural(problems.length, "problème", "problèmes")} dans ${plural(files, "fichier", "fichiers")}` +
      (stage === "files"
        ? " (lecture des fichiers) : corrigez-les puis relancez `pilotage validate` pour les vérifications croisées.\n"
        : ". Corrigez-les puis relancez `pilotage validate`.\n"),
  );
  return EXIT.failed;
}

export const validateCommand: CliCommand = {
  summary: "vérifier les questions SQL et la configuration Metabase",
  usage: USAGE,
  run,
};
