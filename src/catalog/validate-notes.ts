import { isOpenToEveryone } from "../perimeter/dashboard-access.js";
import { citationsOf } from "./notes.js";
import { isRelativeDateString, RELATIVE_YEARS } from "./periods.js";
import type { Catalog, CatalogProblem, Note, NoteBlock, Question } from "./types.js";

/**
 * The rules a note adds to those of the dashboard it behaves like (note-dashboard.ts, checked by
 * validate.ts with the dashboard rules, lock contract included): what its blocks show and cite, that a
 * public note cites only public questions, and that every figure is fixed, with no filter left to a
 * reader who has none to set.
 */

/** Displays the gateway draws as a chart (card-data.ts). */
const CHART_DISPLAYS = new Set(["bar", "row", "line", "area", "pie", "combo"]);

/** Shown to everyone without login: on a dashboard open to everyone (perimeter/dashboard-access.ts). */
export function publicQuestionKeys(catalog: Pick<Catalog, "dashboards">): Set<string> {
  return new Set(catalog.dashboards.filter(isOpenToEveryone).flatMap((d) => d.cards.map((c) => c.question)));
}

function isRelative(value: unknown): boolean {
  if (typeof value !== "string") return false;
  return Object.hasOwn(RELATIVE_YEARS, value) || isRelativeDateString(value);
}

export function noteProblems(
  note: Note,
  catalog: Pick<Catalog, "questions" | "dashboards">,
): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const lines = note.location.lines;
  const add = (rule: string, line: number | undefined, message: string, hint: string) =>
    problems.push({ rule, file: note.file, ...(line === undefined ? {} : { line }), message, hint });
  const questions = new Map<string, Question>(catalog.questions.map((q) => [q.key, q]));
  const publicQuestions = publicQuestionKeys(catalog);
  const blockLine = (i: number, field?: string) =>
    (field === undefined ? undefined : lines[`blocks.${i}.${field}`]) ??
    lines[`blocks.${i}`] ??
    note.blocks[i]!.line;

  note.parameters.forEach((p, index) => {
    const at = lines[`parameters.${index}.default`] ?? lines[`parameters.${index}`];
    if (!p.locked && p.default === undefined) {
      add(
        "note.parameter-without-value",
        at,
        `Le paramètre « ${p.slug} » n'est pas verrouillé et n'a pas de valeur : une note n'a pas de filtres, ses chiffres seraient calculés sans lui.`,
        "Donnez-lui une valeur fixe (« default: … »), ou retirez-le avec ses « mappings ».",
      );
    }
    if (!p.locked && isRelative(p.default)) {
      add(
        "note.relative-period",
        at,
        `« ${p.slug} » vaut « ${String(p.default)} », une période relative : les chiffres de la note changeraient à chaque chargement, pas son texte.`,
        "Écrivez la période que le texte commente (par exemple 2025-01-01~2025-12-31 ou 2025).",
      );
    }
  });

  const ids = new Map<string, NoteBlock>();
  note.blocks.forEach((block, i) => {
    if (ids.has(block.id)) {
      add(
        "note.duplicate-block",
        blockLine(i, "id"),
        `Deux blocs s'appellent « ${block.id} ».`,
        "Donnez à chaque bloc un « id » distinct.",
      );
    }
    ids.set(block.id, block);
    const question = questions.get(block.question);
    const single = block.show === "value" || block.show === "inline";
    if (single && block.column === undefined) {
      add(
        "note.value-column",
        blockLine(i, "show"),
        `Le bloc « ${block.id} » montre une valeur mais ne dit pas de quelle colonne.`,
        `Ajoutez « column: <nom> »${question ? ` (colonnes de « ${question.key} » : ${question.columns.map((c) => c.name).join(", ")})` : ""}.`,
      );
    }
    if (!single && (block.column !== undefined || block.row !== undefined)) {
      add(
        "note.column-unexpected",
        blockLine(i, block.column !== undefined ? "column" : "row"),
        `Le bloc « ${block.id} » montre un ${block.show === "chart" ? "graphique" : "tableau"} entier : « column » et « row » ne servent qu'aux valeurs.`,
        "Retirez-les, ou passez le bloc en « show: value » ou « show: inline ».",
      );
    }
    if (!question) return; // The dashboard rules report an unknown question.
    const described = new Set(question.columns.map((c) => c.name));
    if (block.column !== undefined && !described.has(block.column)) {
      add(
        "note.value-column",
        blockLine(i, "column"),
        `La colonne « ${block.column} » n'est pas une colonne décrite de « ${question.key} ».`,
        `Colonnes de cette question : ${[...described].join(", ") || "(aucune décrite)"}.`,
      );
    }
    for (const name of Object.keys(block.row ?? {})) {
      if (!described.has(name)) {
        add(
          "note.row-column",
          blockLine(i, `row.${name}`),
          `La ligne du bloc « ${block.id} » est choisie par « ${name} », qui n'est pas une colonne décrite de « ${question.key} ».`,
          `Colonnes de cette question : ${[...described].join(", ") || "(aucune décrite)"}.`,
        );
      }
    }
    if (block.show === "chart" && !CHART_DISPLAYS.has(question.display)) {
      add(
        "note.chart-display",
        blockLine(i, "show"),
        `Le bloc « ${block.id} » demande un graphique, mais « ${question.key} » s'affiche en « ${question.display} ».`,
        "Passez le bloc en « show: table », ou donnez à la question un affichage en graphique (bar, row, line, area, pie, combo).",
      );
    }
    if (note.public && !publicQuestions.has(question.key)) {
      add(
        "note.public-question",
        blockLine(i, "question"),
        `Note publique : le bloc « ${block.id} » cite « ${question.key} », qu'aucun tableau de bord public ne montre.`,
        "Citez une question d'un tableau de bord public, ou retirez « public: true » et déclarez les audiences de la note.",
      );
    }
    const fed = new Set(
      Object.entries(block.mappings)
        .filter(([slug]) => {
          const parameter = note.parameters.find((p) => p.slug === slug);
          return (
            parameter !== undefined && (parameter.locked !== undefined || parameter.default !== undefined)
          );
        })
        .map(([, tag]) => tag),
    );
    for (const parameter of question.parameters) {
      if (parameter.required && parameter.default === undefined && !fed.has(parameter.tag)) {
        add(
          "note.unwired-parameter",
          blockLine(i, "mappings"),
          `Le bloc « ${block.id} » ne donne aucune valeur au tag obligatoire « ${parameter.tag} » de « ${question.key} » : la question ne s'exécuterait pas.`,
          `Reliez « ${parameter.tag} » à un paramètre de la note dans « mappings » (paramètre verrouillé, ou avec une valeur).`,
        );
      }
    }
  });

  const cited = new Set<string>();
  for (const citation of citationsOf(note)) {
    cited.add(citation.id);
    const block = ids.get(citation.id);
    if (!block) {
      add(
        "note.unknown-citation",
        citation.line,
        `Le texte cite « {{${citation.id}}} », qui n'est pas un bloc de la note.`,
        `Blocs de valeur de cette note : ${
          note.blocks
            .filter((b) => b.show === "value" || b.show === "inline")
            .map((b) => b.id)
            .join(", ") || "(aucun)"
        }.`,
      );
    } else if (block.show !== "value" && block.show !== "inline") {
      add(
        "note.citation-not-value",
        citation.line,
        `Le texte cite « {{${citation.id}}} », un ${block.show === "chart" ? "graphique" : "tableau"} : seule une valeur peut s'écrire dans une phrase.`,
        "Citez un bloc « show: value » ou « show: inline ».",
      );
    }
  }
  note.blocks.forEach((block, i) => {
    if (block.show === "inline" && !cited.has(block.id)) {
      add(
        "note.inline-unused",
        blockLine(i, "id"),
        `Le bloc « ${block.id} » (« show: inline ») n'est cité nulle part : il ne s'afficherait pas.`,
        `Citez-le dans le texte avec « {{${block.id}}} », ou passez-le en « show: value ».`,
      );
    }
  });
  return problems;
}
