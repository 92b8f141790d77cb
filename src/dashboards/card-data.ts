import type { ResultCache } from "../cache/result-cache.js";
import { columnHeader, describedColumn } from "../catalog/columns.js";
import { renderQuestion, type Question, type QuestionColumn } from "../catalog/index.js";
import type { Queryable } from "../storage/database.js";
import { asSubquery, formatDay, type Day, type TemplateParameter } from "../template/index.js";
import { alignsRight, dayTimestamp, formatValue } from "./cell-format.js";

/**
 * The gateway's own rendering of a dashboard card (PRODUCT.md §5: without Metabase, and as the text
 * alternative of every chart): the card's versioned SQL rendered exactly as Metabase would
 * (src/template/, same locks), run on the warehouse, shaped as an accessible table whose headers and cells
 * come from the question's columns (sql/README.md), and as a chart where the display fits (chart-model.ts).
 */

/** Postgres type ids of numbers (int8, int2, int4, float4, float8, numeric). */
const NUMERIC_TYPES = new Set([20, 21, 23, 700, 701, 1700]);

export interface CardColumn {
  name: string;
  /** The header readers see: the column's label, then its unit. */
  label: string;
  /** Postgres said it is a number. */
  numeric: boolean;
  /** As the question describes it (an undescribed column reads as its name). */
  column: QuestionColumn;
  /** Quantities line up on the right. */
  right: boolean;
}

export interface CardTable {
  columns: CardColumn[];
  /** Raw values, in column order. */
  rows: unknown[][];
  /** More rows than the page shows: the full data is in the CSV export. */
  truncated: boolean;
}

function cardColumn(question: Question, name: string, numeric: boolean): CardColumn {
  const described = describedColumn(question, name);
  const column: QuestionColumn =
    question.columns.includes(described) || !numeric
      ? described
      : { ...described, kind: "count", decimals: 2 };
  return { name, label: columnHeader(column), numeric, column, right: alignsRight(column) };
}

/**
 * The warehouse as every page's cards read it (dashboards, notes): through the result cache when there is
 * one, keyed on the SQL, its bound values (the locks among them) and the data version, so that another
 * perimeter's entry cannot answer.
 */
export function cardWarehouse(warehouse: Queryable, resultCache: ResultCache | undefined): Queryable {
  return resultCache?.reader(warehouse) ?? warehouse;
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
  const columns = fields.map((f) => cardColumn(question, f.name, NUMERIC_TYPES.has(f.dataTypeID)));
  const rows = result.rows.slice(0, options.rowLimit).map((row) => fields.map((f) => row[f.name]));
  return { columns, rows, truncated: result.rows.length > options.rowLimit };
}

/**
 * The rows of the data's past: a row whose month or day is after the cut-off is a calendar slot the
 * question generated, not data (the employer's ETP for months not yet declared read as zero). The page
 * draws and lists nothing after the cut-off; the export keeps every row.
 */
export function rowsUpTo(table: CardTable, cutoff: Day): { table: CardTable; dropped: number } {
  const limit = dayTimestamp(formatDay(cutoff))!;
  const dated = table.columns.flatMap((c, i) =>
    c.column.kind === "month" || c.column.kind === "date" ? [i] : [],
  );
  if (dated.length === 0) return { table, dropped: 0 };
  const rows = table.rows.filter((row) => dated.every((i) => (dayTimestamp(row[i]) ?? -Infinity) <= limit));
  return { table: { ...table, rows }, dropped: table.rows.length - rows.length };
}

/** The first `rowLimit` rows of a table read with a higher cap, as if read with this one. */
export function keepRows(table: CardTable, rowLimit: number): CardTable {
  if (table.rows.length <= rowLimit) return table;
  return { ...table, rows: table.rows.slice(0, rowLimit), truncated: true };
}

/**
 * A card as every page reads it (dashboards and notes alike): run, then cut at the data's cut-off when the
 * warehouse has a load marker (without one, nothing says where the data ends). `readLimit` reads with
 * another code's cap (the comparison's), so that both send one SQL text and the result cache runs it
 * once; the page keeps its `rowLimit` all the same.
 */
export async function readCardTable(
  warehouse: Queryable,
  question: Question,
  parameters: TemplateParameter[],
  options: { now: Date; rowLimit: number; readLimit?: number; cutoff: { day: Day; marker: unknown } },
): Promise<{ table: CardTable; dropped: number }> {
  const read = await runCard(warehouse, question, parameters, {
    now: options.now,
    rowLimit: Math.max(options.rowLimit, options.readLimit ?? 0),
  });
  const run = keepRows(read, options.rowLimit);
  return options.cutoff.marker ? rowsUpTo(run, options.cutoff.day) : { table: run, dropped: 0 };
}

/** The table's cells as the page shows them. */
export function formatRows(table: CardTable): string[][] {
  return table.rows.map((row) => row.map((value, c) => formatValue(value, table.columns[c]!.column)));
}
