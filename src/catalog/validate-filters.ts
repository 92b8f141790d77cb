import { parseQualifiedColumn } from "../template/index.js";
import { BUILT_IN_VALUE_LISTS } from "./schema.js";
import type { CatalogProblem, Catalog, Dashboard, DashboardParameter, Question } from "./types.js";

/**
 * `pilotage validate`'s rules on a dashboard's filter lists (`values:`, `values_from:`,
 * metabase-config/README.md), and its warnings: a filter that reaches only some of the cards filtering
 * the same column would leave the others silently unfiltered.
 */

const README = "metabase-config/README.md";

function tableOf(column: string): string | undefined {
  const parsed = parseQualifiedColumn(column);
  return parsed ? `${parsed.schema}.${parsed.table}` : undefined;
}

/** The columns a dashboard parameter filters, through the field filters it is wired to, card by card. */
export function wiredColumns(
  dashboard: Dashboard,
  slug: string,
  questions: ReadonlyMap<string, Question>,
): Array<{ question: string; tag: string; column: string; columnType: string | undefined }> {
  return dashboard.cards.flatMap((card) => {
    const tag = card.mappings[slug];
    const parameter =
      tag === undefined ? undefined : questions.get(card.question)?.parameters.find((p) => p.tag === tag);
    return parameter?.type === "field filter" && parameter.column
      ? [
          {
            question: card.question,
            tag: parameter.tag,
            column: parameter.column,
            columnType: parameter.columnType,
          },
        ]
      : [];
  });
}

function valueOk(parameter: DashboardParameter, value: unknown): boolean {
  return parameter.type === "number" ? typeof value === "number" : typeof value === "string";
}

export function dashboardFilterProblems(
  dashboard: Dashboard,
  questions: ReadonlyMap<string, Question>,
): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const lines = dashboard.location.lines;
  dashboard.parameters.forEach((p, index) => {
    const at = (field?: string) =>
      lines[field ? `parameters.${index}.${field}` : `parameters.${index}`] ??
      lines[`parameters.${index}`] ??
      1;
    const add = (rule: string, field: string | undefined, message: string, hint: string) =>
      problems.push({ rule, file: dashboard.file, line: at(field), message, hint });
    if (p.valueLabels !== undefined && (p.valuesFrom === undefined || p.values !== undefined)) {
      add(
        "filter.value-labels",
        "value_labels",
        `« value_labels » du filtre « ${p.slug} » ne vaut que pour une liste calculée (« values_from »).`,
        "Pour une liste écrite, donnez les libellés dans « values » ({ value, label }).",
      );
    }
    if (p.values === undefined && p.valuesFrom === undefined) return;
    if (p.values !== undefined && p.valuesFrom !== undefined) {
      add(
        "filter.values-conflict",
        "values_from",
        `Le filtre « ${p.slug} » a à la fois « values » et « values_from ».`,
        "Gardez l'une des deux : une liste écrite, ou une liste calculée.",
      );
    }
    if (p.locked) {
      add(
        "filter.values-locked",
        p.values ? "values" : "values_from",
        `Le filtre verrouillé « ${p.slug} » n'a pas de liste : sa valeur vient du périmètre de la personne.`,
        "Retirez « values » ou « values_from » de ce paramètre.",
      );
      return;
    }
    if (p.type === "date" || p.type === "date range") {
      add(
        "filter.values-date",
        p.values ? "values" : "values_from",
        `Le filtre de dates « ${p.slug} » se choisit par période, pas dans une liste.`,
        "Retirez « values » ou « values_from » : la page propose les périodes de Metabase et des dates au choix.",
      );
      return;
    }
    if (p.values) {
      const seen = new Set<string>();
      p.values.forEach((v, i) => {
        if (!valueOk(p, v.value)) {
          add(
            "filter.values-type",
            `values.${i}`,
            `La valeur « ${String(v.value)} » du filtre « ${p.slug} » doit être ${p.type === "number" ? "un nombre" : "un texte"}.`,
            p.type === "number" ? "Écrivez-la sans guillemets." : "Écrivez-la entre guillemets.",
          );
        }
        if (seen.has(String(v.value))) {
          add(
            "filter.values-duplicate",
            `values.${i}`,
            `La valeur « ${String(v.value)} » est deux fois dans la liste du filtre « ${p.slug} ».`,
            "Gardez-la une seule fois.",
          );
        }
        seen.add(String(v.value));
      });
      const defaults = p.default === undefined ? [] : Array.isArray(p.default) ? p.default : [p.default];
      for (const value of defaults) {
        if (!seen.has(String(value))) {
          add(
            "filter.default-not-listed",
            "default",
            `La valeur par défaut « ${String(value)} » du filtre « ${p.slug} » n'est pas dans sa liste.`,
            "Ajoutez-la à « values », ou changez la valeur par défaut.",
          );
        }
      }
    }
    const from = p.valuesFrom;
    if (from === undefined) return;
    if ((BUILT_IN_VALUE_LISTS as readonly string[]).includes(from)) {
      const wanted = from === "years" ? "number" : "text";
      if (p.type !== wanted) {
        add(
          "filter.values-from-type",
          "values_from",
          `« values_from: ${from} » donne des ${from === "years" ? "années (nombres)" : "codes de département (textes)"} : le filtre « ${p.slug} » doit être de type ${wanted}.`,
          `Changez « type » en ${wanted}, ou choisissez une autre liste (${README}).`,
        );
      }
      return;
    }
    const table = tableOf(from);
    if (!table) {
      add(
        "filter.values-from-unknown",
        "values_from",
        `« values_from: ${from} » n'est ni une colonne schema.table.colonne, ni une liste connue (${BUILT_IN_VALUE_LISTS.join(", ")}).`,
        `Exemple : « values_from: entrepot.candidatures.type_structure » (${README}).`,
      );
      return;
    }
    // The distinct values are read under the viewer's locks: each lock must filter that table somewhere,
    // or the list would show values from outside the perimeter.
    for (const lock of dashboard.parameters.filter((l) => l.locked)) {
      if (wiredColumns(dashboard, lock.slug, questions).some((w) => tableOf(w.column) === table)) continue;
      add(
        "filter.values-from-unlocked",
        "values_from",
        `La liste du filtre « ${p.slug} » vient de ${table}, que le verrou « ${lock.slug} » ne filtre sur aucune carte : elle montrerait des valeurs hors du périmètre.`,
        `Prenez une colonne d'une table que « ${lock.slug} » filtre déjà (un filtre de champ sur cette table), ou écrivez la liste avec « values ».`,
      );
    }
  });
  return problems;
}

/** What `pilotage validate` warns about without refusing: filters that miss cards on their own column. */
export function catalogWarnings(catalog: Pick<Catalog, "dashboards" | "questions">): CatalogProblem[] {
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));
  const warnings: CatalogProblem[] = [];
  for (const dashboard of catalog.dashboards) {
    dashboard.parameters.forEach((p, index) => {
      if (p.locked) return;
      const columns = new Set(wiredColumns(dashboard, p.slug, questions).map((w) => w.column));
      for (const card of dashboard.cards) {
        if (card.mappings[p.slug] !== undefined) continue;
        const same = questions
          .get(card.question)
          ?.parameters.find(
            (q) => q.type === "field filter" && q.column !== undefined && columns.has(q.column),
          );
        if (!same) continue;
        warnings.push({
          rule: "filter.partial-reach",
          file: dashboard.file,
          line: dashboard.location.lines[`parameters.${index}`] ?? 1,
          message: `Le filtre « ${p.label} » n'agit pas sur la carte ${card.question}, qui filtre pourtant la même colonne (${same.column}) par {{${same.tag}}} : cette carte resterait non filtrée.`,
          hint: `Reliez « ${p.slug}: ${same.tag} » dans les « mappings » de cette carte.`,
        });
      }
    });
  }
  return warnings;
}
