import { columnDecimals, isQuantity } from "../catalog/columns.js";
import type { QuestionColumn } from "../catalog/index.js";

/**
 * Values as the pages show them, in French, by the column's kind (sql/README.md): « 1 530 », « 45,3 % »,
 * « 12 500 € », « déc. 2025 », « 31/12/2025 », identifiers without separators. Intl's fr-FR formats, so
 * separators are the narrow no-break spaces French typography wants, never the machine's locale.
 */

const numberFormats = new Map<string, Intl.NumberFormat>();

/** fr-FR's format for these options, built once: Intl's constructors are slow enough to matter per cell. */
export function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat("fr-FR", options);
    numberFormats.set(key, format);
  }
  return format;
}

const MONTH = new Intl.DateTimeFormat("fr-FR", { month: "short", year: "numeric", timeZone: "UTC" });
const DAY = new Intl.DateTimeFormat("fr-FR", {
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
  timeZone: "UTC",
});

/** A calendar day as a UTC timestamp: `YYYY-MM-DD…` strings (pg) or Dates at UTC midnight (PGlite). */
export function dayTimestamp(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

/** The number in a value: pg sends numerics and bigints as text. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** A percentage as a ratio (0–1), whatever scale it is stored on. */
export function ratioOf(value: number, column: Pick<QuestionColumn, "percentScale">): number {
  return column.percentScale === "percent" ? value / 100 : value;
}

export function formatNumber(
  value: number,
  column: Pick<QuestionColumn, "kind" | "decimals" | "percentScale">,
) {
  const digits = columnDecimals(column);
  const fixed = { minimumFractionDigits: digits, maximumFractionDigits: digits };
  switch (column.kind) {
    case "percentage":
      return numberFormat({ style: "percent", ...fixed }).format(ratioOf(value, column));
    case "euros":
      return numberFormat({ style: "currency", currency: "EUR", ...fixed }).format(value);
    default:
      return numberFormat(fixed).format(value);
  }
}

/** How a value reads in a table cell, a chart's axis or its legend. */
export function formatValue(value: unknown, column: QuestionColumn): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "oui" : "non";
  switch (column.kind) {
    case "month":
    case "date": {
      const at = dayTimestamp(value);
      if (at === undefined) return String(value);
      return (column.kind === "month" ? MONTH : DAY).format(at);
    }
    case "identifier":
    case "territory":
    case "text":
      if (value instanceof Date) return DAY.format(value);
      return String(value);
    default: {
      const n = numberOf(value);
      return n === undefined ? String(value) : formatNumber(n, column);
    }
  }
}

/**
 * A value standing alone — a key figure's tile, a note's sentence —: as a cell shows it, then its unit
 * after a no-break space (« 21 jours »), since no header carries it. "" when there is no value.
 */
export function formatFigure(value: unknown, column: QuestionColumn): string {
  const formatted = value === "" ? "" : formatValue(value, column);
  return formatted && column.unit ? `${formatted}\u00a0${column.unit}` : formatted;
}

/** Quantities line up on the right; identifiers, territories, text and dates on the left. */
export function alignsRight(column: Pick<QuestionColumn, "kind">): boolean {
  return isQuantity(column);
}
