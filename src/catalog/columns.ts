import type { ColumnKind, Question, QuestionColumn } from "./types.js";

/**
 * A question's columns as readers see them (`columns:` in the file, sql/README.md): the one place that
 * says what a header reads and how many decimals a kind shows, for the gateway's tables and charts, the
 * exports and Metabase's column settings alike, so that the three renderings cannot disagree.
 */

/** Digits after the decimal separator when the file says nothing; undefined for kinds that are not numbers. */
export const DEFAULT_DECIMALS: Readonly<Record<ColumnKind, number | undefined>> = {
  count: 0,
  percentage: 1,
  euros: 0,
  etp: 1,
  days: 0,
  month: undefined,
  date: undefined,
  identifier: 0,
  territory: undefined,
  text: undefined,
};

/** Kinds whose values are quantities: right-aligned, French separators, y from zero on a chart. */
export const QUANTITY_KINDS: ReadonlySet<ColumnKind> = new Set([
  "count",
  "percentage",
  "euros",
  "etp",
  "days",
]);

export function isQuantity(column: Pick<QuestionColumn, "kind">): boolean {
  return QUANTITY_KINDS.has(column.kind);
}

export function columnDecimals(column: Pick<QuestionColumn, "kind" | "decimals">): number {
  return column.decimals ?? DEFAULT_DECIMALS[column.kind] ?? 0;
}

/** The header: the label, then the unit in brackets (« Délai médian de réponse (jours) »). */
export function columnHeader(column: Pick<QuestionColumn, "label" | "unit">): string {
  return column.unit ? `${column.label} (${column.unit})` : column.label;
}

/**
 * The column a result's `name` is, as described by the question; a column the file does not describe
 * reads as its own name (the lead's decision 3: never a guess dressed as a label). `pilotage test` fails
 * on such a column, so this fallback only shows while a question is being written.
 */
export function describedColumn(question: Pick<Question, "columns">, name: string): QuestionColumn {
  return question.columns.find((c) => c.name === name) ?? { name, label: name, kind: "text" };
}

/** Declared columns that the result lacks, and result columns the file does not declare, and order. */
export function columnMismatch(
  question: Pick<Question, "columns">,
  returned: readonly string[],
): { missing: string[]; undescribed: string[]; orderDiffers: boolean } {
  const declared = question.columns.map((c) => c.name);
  const missing = declared.filter((name) => !returned.includes(name));
  const undescribed = returned.filter((name) => !declared.includes(name));
  const orderDiffers =
    missing.length === 0 && undescribed.length === 0 && declared.some((name, i) => returned[i] !== name);
  return { missing, undescribed, orderDiffers };
}
