import {
  questionRenderParameters,
  renderQuestion,
  wiredColumns,
  type Catalog,
  type Dashboard,
  type DashboardParameter,
  type FilterValue,
  type Question,
} from "../catalog/index.js";
import type { LockValue } from "../perimeter/lock-values.js";
import type { Queryable } from "../storage/database.js";
import { parseQualifiedColumn, parseTemplate, type Day } from "../template/index.js";
import { DEPARTEMENTS } from "../territories/territories.js";

/**
 * The choices of a dashboard's filters (metabase-config/README.md): written out (`values:`), built in
 * (`values_from: years`, `departements`), or a column's distinct values under the viewer's locks
 * (`values_from: schema.table.column`), which never shows a value from outside the perimeter: each lock
 * is applied as the cards apply it, by the same field filters on that table. Computed lists are cached
 * per dashboard, filter, data version and lock values.
 */

export interface FilterList {
  values: FilterValue[];
  /** More values exist than the list holds: any value is then accepted (the cards are locked anyway). */
  truncated: boolean;
}

/** Beyond this, a list is a searchable field rather than a select or checkboxes. */
export const SEARCHABLE_ABOVE = 50;
const MAX_VALUES = 1_000;
const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 2_000;

/** The data's cut-off year and the four before it, newest first. */
export function recentYears(cutoff: Day): FilterValue[] {
  return Array.from({ length: 5 }, (_, i) => ({ value: cutoff.year - i, label: String(cutoff.year - i) }));
}

const DEPARTEMENT_VALUES: FilterValue[] = DEPARTEMENTS.map((d) => ({ value: d.code, label: d.libelle }));

/**
 * The query behind a `values_from` column: its distinct values, each lock applied through the field
 * filters its cards use on that table (several columns of one lock: any of them, as its cards show).
 * A synthetic question, so that it renders exactly as a card does (src/template/).
 */
export function valuesQuestion(
  dashboard: Dashboard,
  parameter: DashboardParameter,
  questions: ReadonlyMap<string, Question>,
): Question | undefined {
  const column = parameter.valuesFrom === undefined ? undefined : parseQualifiedColumn(parameter.valuesFrom);
  if (!column) return undefined;
  const table = `${column.schema}.${column.table}`;
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const tags: Question["parameters"] = [];
  const conditions = dashboard.parameters
    .filter((p) => p.locked)
    .map((lock) => {
      const columns = [
        ...new Map(
          wiredColumns(dashboard, lock.slug, questions)
            .filter((w) => w.column.startsWith(`${table}.`))
            .map((w) => [w.column, w]),
        ).values(),
      ];
      const alternatives = columns.map((w, i) => {
        const tag = `verrou_${lock.slug}_${i}`;
        tags.push({
          tag,
          type: "field filter",
          label: lock.label,
          required: true,
          multiple: lock.multiple,
          column: w.column,
          ...(w.columnType === undefined ? {} : { columnType: w.columnType as "text" }),
        });
        return `{{${tag}}}`;
      });
      // validate refuses a list whose table a lock does not filter; never list everything regardless.
      return alternatives.length === 0 ? "FALSE" : `(${alternatives.join(" OR ")})`;
    });
  const sql =
    `SELECT DISTINCT ${quoted(column.column)} AS valeur FROM ${quoted(column.schema)}.${quoted(column.table)}\n` +
    `WHERE ${quoted(column.column)} IS NOT NULL${conditions.map((c) => `\n  AND ${c}`).join("")}\n` +
    `ORDER BY 1 LIMIT ${MAX_VALUES + 1}`;
  return {
    key: `${dashboard.key}#${parameter.slug}`,
    file: dashboard.file,
    name: parameter.label,
    description: "",
    collection: dashboard.collection,
    display: "table",
    visualization: {},
    sql,
    sqlLine: 1,
    parameters: tags,
    columns: [],
    contentVersion: dashboard.contentVersion,
    template: parseTemplate(sql),
    location: dashboard.location,
  };
}

export interface FilterValues {
  /** The lists of the dashboard's editable filters that have one, by slug. */
  lists(
    dashboard: Dashboard,
    locks: Record<string, LockValue>,
    context: { cutoff: Day; dataVersion: string | undefined; now: Date },
  ): Promise<Record<string, FilterList>>;
}

export function createFilterValues(deps: { catalog: Catalog; warehouse: Queryable }): FilterValues {
  const questions = new Map(deps.catalog.questions.map((q) => [q.key, q]));
  const queries = new Map<string, Question | undefined>();
  const cache = new Map<string, { at: number; list: FilterList }>();

  async function columnValues(
    dashboard: Dashboard,
    parameter: DashboardParameter,
    locks: Record<string, LockValue>,
    context: { dataVersion: string | undefined; now: Date },
  ): Promise<FilterList> {
    const key = JSON.stringify([dashboard.key, parameter.slug, context.dataVersion ?? null, locks]);
    const hit = cache.get(key);
    if (hit && context.now.getTime() - hit.at < TTL_MS) return hit.list;
    const id = `${dashboard.key}#${parameter.slug}`;
    if (!queries.has(id)) queries.set(id, valuesQuestion(dashboard, parameter, questions));
    const question = queries.get(id);
    if (!question) return { values: [], truncated: false };
    const values = Object.fromEntries(
      question.parameters.map((p) => [p.tag, locks[p.tag.replace(/^verrou_(.+)_\d+$/, "$1")]]),
    );
    const rendered = renderQuestion(question, questionRenderParameters(question, values), {
      now: context.now,
    });
    const { rows } = await deps.warehouse.query<{ valeur: unknown }>(rendered.sql, rendered.values);
    const list: FilterList = {
      values: rows.slice(0, MAX_VALUES).map((r) => {
        const value = typeof r.valeur === "number" ? r.valeur : String(r.valeur);
        return { value, label: parameter.valueLabels?.[String(value)] ?? String(value) };
      }),
      truncated: rows.length > MAX_VALUES,
    };
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: context.now.getTime(), list });
    return list;
  }

  return {
    async lists(dashboard, locks, context) {
      const entries = await Promise.all(
        dashboard.parameters
          .filter((p) => !p.locked && (p.values !== undefined || p.valuesFrom !== undefined))
          .map(async (p): Promise<[string, FilterList]> => {
            if (p.values) return [p.slug, { values: p.values, truncated: false }];
            if (p.valuesFrom === "years")
              return [p.slug, { values: recentYears(context.cutoff), truncated: false }];
            if (p.valuesFrom === "departements")
              return [p.slug, { values: DEPARTEMENT_VALUES, truncated: false }];
            return [p.slug, await columnValues(dashboard, p, locks, context)];
          }),
      );
      return Object.fromEntries(entries);
    },
  };
}
