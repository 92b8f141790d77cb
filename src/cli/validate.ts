import path from "node:path";
import { catalogWarnings, checkCatalog, type Catalog, type CatalogProblem } from "../catalog/index.js";
import { PROJECT_ROOT } from "../project-root.js";
import { countOf } from "../french-plural.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { parseCommandArgs } from "./options.js";

const USAGE = `validate [--json] [--root DOSSIER]

Vérifie sql/, metabase-config/ et notes/ : format des fichiers, tags {{…}} et paramètres déclarés,
tableaux de bord (questions, grille, types), contrat des verrous, taille des adresses intégrées, et
notes d'analyse (blocs, valeurs citées, questions publiques des notes publiques).
--root   dossier contenant sql/, metabase-config/ et notes/ (par défaut : le dépôt)
--json   sortie JSON { ok, counts, problems: [{ rule, file, line, message, hint }], warnings: […] }`;

const OPTIONS = { json: { type: "boolean" }, root: { type: "string" } } as const;

function counts(catalog: Catalog) {
  return {
    questions: catalog.questions.length,
    dashboards: catalog.dashboards.length,
    collections: catalog.collections.length,
    profileKinds: catalog.profileKinds.length,
    notes: catalog.notes.length,
  };
}

function formatProblem(problem: CatalogProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where} — ${problem.message}\n  → ${problem.hint}\n`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS);
  const root = path.resolve(values.root ?? PROJECT_ROOT);
  const { catalog, problems, stage } = await checkCatalog(root);
  const ok = problems.length === 0;
  // Warnings never fail the run: they point at what a reader would find odd (a filter missing a card).
  const warnings = stage === "rules" ? catalogWarnings(catalog) : [];
  if (values.json) {
    io.stdout(`${JSON.stringify({ ok, root, counts: counts(catalog), problems, warnings }, null, 2)}\n`);
    return ok ? EXIT.ok : EXIT.failed;
  }
  const c = counts(catalog);
  const summary = `${countOf(c.questions, "question", "questions")}, ${countOf(c.dashboards, "tableau de bord", "tableaux de bord")}, ${countOf(c.collections, "collection", "collections")}, ${countOf(c.profileKinds, "type de profil", "types de profil")}, ${countOf(c.notes, "note d'analyse", "notes d'analyse")}`;
  if (warnings.length > 0) io.stderr(warnings.map((w) => `attention : ${formatProblem(w)}`).join(""));
  if (ok) {
    const warned =
      warnings.length > 0 ? `, ${countOf(warnings.length, "avertissement", "avertissements")}` : "";
    io.stdout(`Catalogue valide (${root}) : ${summary}${warned}.\n`);
    return EXIT.ok;
  }
  io.stderr(problems.map(formatProblem).join(""));
  const files = new Set(problems.map((p) => p.file)).size;
  io.stderr(
    `\n${countOf(problems.length, "problème", "problèmes")} dans ${countOf(files, "fichier", "fichiers")}` +
      (stage === "files"
        ? " (lecture des fichiers) : corrigez-les puis relancez `pilotage validate` pour les vérifications croisées.\n"
        : ". Corrigez-les puis relancez `pilotage validate`.\n"),
  );
  return EXIT.failed;
}

export const validateCommand: CliCommand = {
  summary: "vérifier les questions SQL et la configuration Metabase",
  usage: USAGE,
  exitCodes: { [EXIT.ok]: "le catalogue est valide", [EXIT.failed]: "au moins un problème (listé)" },
  options: OPTIONS,
  run,
};
