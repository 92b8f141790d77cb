import { renderQuestion, type Question } from "../catalog/index.js";
import type { Queryable } from "../storage/database.js";
import { asSubquery, type TemplateParameter } from "../template/index.js";

/**
 * The gateway's own rendering of a dashboard card (PRODUCT.md §5: without Metabase, and as the text
 * alternative of every chart): the card's versioned SQL rendered exactly as Metabase would
 * (src/template/, same locks), run on the warehouse, shaped as an accessible table and, where the
 * display fits, as a DSFR chart.
 */

/** Postgres type ids of numbers (int8, int2, int4, float4, float8, numeric). */
const NUMERIC_TYPES = new Set([20, 21, 23, 700, 701, 1700]);

export interface CardColumn {
  name: string;
  /** French heading: the column title of the visualization settings, else the name made readable. */
  label: string;
  numeric: boolean;
}

export interface CardTable {
  columns: CardColumn[];
  /** Raw values, in column order. */
  rows: unknown[][];
  /** More rows than the page shows: the full data is in the CSV export. */
  truncated: boolean;
}

function columnTitle(question: Question, name: string): string {
  const settings = question.visualization["column_settings"];
  if (settings && typeof settings === "object") {
    const entry = (settings as Record<string, unknown>)[JSON.stringify(["name", name])];
    const title =
      entry && typeof entry === "object" ? (entry as Record<string, unknown>)["column_title"] : undefined;
    if (typeof title === "string" && title.trim()) return title;
  }
  const words = name.replaceAll("_", " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Runs one card; at most `rowLimit` rows are kept (one more is read to know there were more). */
export async function runCard(
  warehouse: Queryable,
  question: Question,
  parameters: TemplateParameter[],
  options: { now: Date; rowLimit: number },
): Promise<CardTable> {
  const rendered = renderQuestion(question, parameters, { now: options.now });
  const sql = `SELECT * FROM ${asSubquery(rendered.sql)} AS carte LIMIT ${options.rowLimit + 1}`;
  const result = await warehouse.query(sql, rendered.values);
  const fields = result.fields?.length
    ? result.fields
    : Object.keys(result.rows[0] ?? {}).map((name) => ({ name, dataTypeID: 0 }));
  const columns = fields.map((f) => ({
    name: f.name,
    label: columnTitle(question, f.name),
    numeric: NUMERIC_TYPES.has(f.dataTypeID),
  }));
  const rows = result.rows.slice(0, options.rowLimit).map((row) => fields.map((f) => row[f.name]));
  return { columns, rows, truncated: result.rows.length > options.rowLimit };
}

const numberFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
const yearFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0, useGrouping: false });
/** Years are numbers too, but "2 024" reads wrong. */
const YEAR_COLUMN = /(^|_)(annee|millesime|year)(_|$)/;

/** A cell as the table shows it: French numbers, days as written, oui/non. */
export function formatCell(value: unknown, column: CardColumn): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "boolean") return value ? "oui" : "non";
  if (column.numeric || typeof value === "number") {
    const n = Number(value);
    if (!Number.isFinite(n)) return String(value);
    return (YEAR_COLUMN.test(column.name) ? yearFormat : numberFormat).format(n);
  }
  return String(value);
}

// --- charts ---------------------------------------------------------------------------------------------

export interface ChartSpec {
  /** A web component of @gouvfr/dsfr-chart. */
  element: "bar-chart" | "line-chart" | "pie-chart";
  /** Its attributes; JSON-valued ones already serialised (EJS escapes them into the attribute). */
  attributes: Record<string, string>;
  /** Short French description of what the chart shows, for its figure caption. */
  summary: string;
}

/** Beyond these, a chart is unreadable: the table alone says it better. */
export const MAX_CHART_POINTS = 60;
export const MAX_CHART_SERIES = 12;

const CHART_DISPLAYS = new Set(["bar", "row", "line", "area", "pie", "combo"]);

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

function label(value: unknown): string {
  if (value === null || value === undefined) return "(vide)";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

/**
 * The DSFR chart of a card, from its Metabase display and `graph.dimensions` / `graph.metrics`; null when
 * the display is not a chart (table, scalar…), the data is truncated, or there would be too many points.
 * One dimension: one series per metric. Two: one series per value of the second (per metric too when
 * there are several).
 */
export function chartOf(question: Question, table: CardTable): ChartSpec | null {
  if (!CHART_DISPLAYS.has(question.display) || table.truncated || table.rows.length === 0) return null;
  const index = new Map(table.columns.map((c, i) => [c.name, i]));
  const dimensions = stringList(question.visualization["graph.dimensions"]) ?? [
    table.columns.find((c) => !c.numeric)?.name ?? "",
  ];
  const metrics =
    stringList(question.visualization["graph.metrics"]) ??
    table.columns.filter((c) => c.numeric && !dimensions.includes(c.name)).map((c) => c.name);
  if (dimensions.length < 1 || dimensions.length > 2 || metrics.length === 0) return null;
  if ([...dimensions, ...metrics].some((name) => !index.has(name))) return null;

  const xIndex = index.get(dimensions[0]!)!;
  const groupIndex = dimensions[1] === undefined ? undefined : index.get(dimensions[1])!;
  const labels: string[] = [];
  for (const row of table.rows) if (!labels.includes(label(row[xIndex]))) labels.push(label(row[xIndex]));
  const groups: Array<string | undefined> = [];
  if (groupIndex === undefined) groups.push(undefined);
  else
    for (const row of table.rows)
      if (!groups.includes(label(row[groupIndex]))) groups.push(label(row[groupIndex]));

  const metricLabel = (name: string) => table.columns[index.get(name)!]!.label;
  const series = groups.flatMap((group) =>
    metrics.map((metric) => {
      const values = labels.map(() => 0);
      for (const row of table.rows) {
        if (group !== undefined && label(row[groupIndex!]) !== group) continue;
        const n = Number(row[index.get(metric)!] ?? 0);
        values[labels.indexOf(label(row[xIndex]))]! += Number.isFinite(n) ? n : 0;
      }
      const name =
        group === undefined
          ? metricLabel(metric)
          : metrics.length > 1
            ? `${group} — ${metricLabel(metric)}`
            : group;
      return { name, values: values.map((v) => Math.round(v * 100) / 100) };
    }),
  );
  if (labels.length > MAX_CHART_POINTS || series.length > MAX_CHART_SERIES) return null;

  const xLabel = table.columns[xIndex]!.label.toLowerCase();
  const summary = `${series.length > 1 ? `${series.length} séries` : metricLabel(metrics[0]!)} par ${xLabel}`;
  const y = JSON.stringify(series.map((s) => s.values));
  const name = JSON.stringify(series.map((s) => s.name));
  switch (question.display) {
    case "pie":
      if (series.length !== 1) return null;
      return {
        element: "pie-chart",
        attributes: { x: JSON.stringify([labels]), y, name: JSON.stringify(labels) },
        summary,
      };
    case "line":
    case "area":
      return {
        element: "line-chart",
        attributes: { x: JSON.stringify(series.map(() => labels)), y, name },
        summary,
      };
    default: {
      const attributes: Record<string, string> = { x: JSON.stringify([labels]), y, name };
      if (question.visualization["stackable.stack_type"]) attributes.stacked = "true";
      if (question.display === "row") attributes.horizontal = "true";
      return { element: "bar-chart", attributes, summary };
    }
  }
}
