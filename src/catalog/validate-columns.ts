import type { CatalogProblem, Dashboard, Question } from "./types.js";

/**
 * `pilotage validate`'s rules on a question's `columns:` (sql/README.md): what can be checked without
 * running the SQL. That the result's columns are exactly those described is `pilotage test`'s
 * (src/warehouse/catalog-test.ts), which runs it.
 */

const README = "sql/README.md";

function comparable(label: string): string {
  return label.normalize("NFC").trim().toLocaleLowerCase("fr");
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function questionColumnProblems(question: Question): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const lines = question.location.lines;
  const add = (rule: string, path: string, message: string, hint: string) =>
    problems.push({ rule, file: question.file, line: lines[path] ?? lines["columns"] ?? 1, message, hint });

  const names = new Map<string, number>();
  const labels = new Map<string, number>();
  question.columns.forEach((column, i) => {
    const previousName = names.get(column.name);
    if (previousName !== undefined) {
      add(
        "column.duplicate-name",
        `columns.${i}.name`,
        `La colonne « ${column.name} » est décrite deux fois (entrées ${previousName + 1} et ${i + 1}).`,
        "Gardez une seule description par colonne du résultat.",
      );
    } else {
      names.set(column.name, i);
    }
    const previousLabel = labels.get(comparable(column.label));
    if (previousLabel !== undefined) {
      add(
        "column.duplicate-label",
        `columns.${i}.label`,
        `Le libellé « ${column.label} » est déjà celui de la colonne « ${question.columns[previousLabel]!.name} » : deux colonnes d'un même tableau ne peuvent pas porter le même nom.`,
        "Donnez à chaque colonne un libellé qui la distingue (par exemple en précisant ce qui est compté).",
      );
    } else {
      labels.set(comparable(column.label), i);
    }
    if (column.label.includes("_")) {
      add(
        "column.label-alias",
        `columns.${i}.label`,
        `Le libellé « ${column.label} » contient « _ » : on dirait un nom de colonne SQL, pas un titre lisible.`,
        `Écrivez le titre en français tel qu'un lecteur doit le lire (${README}).`,
      );
    }
  });

  if (question.visualization["column_settings"] !== undefined) {
    add(
      "question.column-settings-written",
      "visualization.column_settings",
      "« visualization.column_settings » est écrit à la main : ces réglages sont calculés à partir de « columns: ».",
      "Retirez « column_settings » et décrivez chaque colonne sous « columns: » (libellé, nature, unité, décimales).",
    );
  }

  if (question.columns.length > 0) {
    for (const setting of ["graph.dimensions", "graph.metrics"]) {
      for (const name of stringList(question.visualization[setting])) {
        if (names.has(name)) continue;
        add(
          "column.visualization-unknown",
          `visualization.${setting}`,
          `« ${setting} » nomme la colonne « ${name} », qui n'est pas décrite sous « columns: ».`,
          "Corrigez le nom, ou décrivez cette colonne du résultat.",
        );
      }
    }
  }
  return problems;
}

/** A dashboard card's `group_rows_by:` names a territory or text column its question describes. */
export function dashboardCardColumnProblems(
  dashboard: Dashboard,
  questions: ReadonlyMap<string, Question>,
): CatalogProblem[] {
  return dashboard.cards.flatMap((card, index) => {
    if (card.groupRowsBy === undefined) return [];
    const question = questions.get(card.question);
    const column = question?.columns.find((c) => c.name === card.groupRowsBy);
    if (!question || (column && (column.kind === "territory" || column.kind === "text"))) return [];
    return [
      {
        rule: "card.group-rows-by",
        file: dashboard.file,
        line: dashboard.location.lines[`cards.${index}.group_rows_by`] ?? 1,
        message: `« group_rows_by: ${card.groupRowsBy} » ne désigne pas une colonne de territoire ou de texte décrite par la question ${card.question}.`,
        hint: "Nommez une colonne de « columns: » de la question, de nature territory ou text (par exemple region).",
      },
    ];
  });
}
