import type { ExportColumn } from "./export-columns.js";
import { escapeFormula, sqlEscapeFormula } from "./formula-escape.js";

/**
 * The two CSV dialects (decision 4 of the brief). `rfc4180`, the API's default and stable for scripts:
 * `,`, the column keys as header, values as Postgres writes them. `excel-fr`, what the dashboard pages
 * link to, for French Excel: `;`, the French labels as header, a decimal comma, dates as `JJ/MM/AAAA`.
 * Both are UTF-8 with a BOM, and both apply the formula-injection rule to text cells and headers.
 *
 * Each rule exists as a SQL expression (the COPY path: Postgres writes every byte) and as a function of
 * a value's text output (the buffered path); `test/questions/csv-dialect.test.ts` and the buffered
 * export test hold the two to the same bytes.
 */

export const CSV_DIALECTS = ["rfc4180", "excel-fr"] as const;
export type CsvDialect = (typeof CSV_DIALECTS)[number];

export function csvDelimiter(dialect: CsvDialect): "," | ";" {
  return dialect === "excel-fr" ? ";" : ",";
}

/**
 * A field as Postgres' COPY writes it: quoted when it holds the delimiter, a quote or a line break, or
 * is empty (an unquoted empty field is NULL), or is `\.` alone on its line.
 */
export function csvField(value: string | null, delimiter: string, onlyColumn: boolean): string {
  if (value === null) return "";
  const quote =
    value === "" || (onlyColumn && value === "\\.") || value.includes(delimiter) || /["\r\n]/.test(value);
  return quote ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The header line: keys (rfc4180) or labels (excel-fr), under the formula rule like any text cell. */
export function csvHeaderLine(columns: readonly ExportColumn[], dialect: CsvDialect): string {
  const delimiter = csvDelimiter(dialect);
  const only = columns.length === 1;
  return `${columns
    .map((c) => csvField(escapeFormula(dialect === "excel-fr" ? c.label : c.name), delimiter, only))
    .join(delimiter)}\n`;
}

/** A non-plain text value through its type's output function (what COPY writes), NULL kept. */
function textOutputSql(alias: string): string {
  return `(CASE WHEN ${alias} IS NULL THEN NULL ELSE format('%s', ${alias}) END)`;
}

/**
 * Finite dates of our era: to_char would write others differently from Postgres' own output. A date
 * goes to to_char as a timestamp (`cast`): left implicit, Postgres picks timestamptz, slower.
 */
function frenchDateSql(alias: string, pattern: string, cast = ""): string {
  return `(CASE WHEN isfinite(${alias}) AND ${alias} >= '0001-01-01' THEN to_char(${alias}${cast}, '${pattern}') ELSE ${alias}::text END)`;
}

/**
 * The SQL expression that gives column `alias` its CSV text in the dialect, or `alias` itself when
 * COPY's own output of the value is already right.
 */
export function csvCellSql(column: ExportColumn, alias: string, dialect: CsvDialect): string {
  const french = dialect === "excel-fr";
  switch (column.valueClass) {
    case "plainText":
      return sqlEscapeFormula(alias);
    case "text":
      return sqlEscapeFormula(textOutputSql(alias));
    case "decimal":
      return french ? `replace(${alias}::text, '.', ',')` : alias;
    case "date":
      return french ? frenchDateSql(alias, "DD/MM/YYYY", "::timestamp") : alias;
    case "timestamp":
      return french ? frenchDateSql(alias, "DD/MM/YYYY HH24:MI:SS") : alias;
    case "integer":
    case "boolean":
      return alias;
  }
}

const ISO_DATE = /^(\d{4,})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[+-]\d{2}(?::\d{2}){0,2})?$/;

/** The same rules as csvCellSql, on the value's text output (Postgres' output function, ISO dates). */
export function csvCellText(
  column: ExportColumn,
  dialect: CsvDialect,
): (text: string | null) => string | null {
  const french = dialect === "excel-fr";
  const keep = (text: string | null) => text;
  const nonNull =
    (rule: (text: string) => string) =>
    (text: string | null): string | null =>
      text === null ? null : rule(text);
  switch (column.valueClass) {
    case "plainText":
    case "text":
      return nonNull(escapeFormula);
    case "decimal":
      return french ? nonNull((text) => text.replaceAll(".", ",")) : keep;
    case "date":
      return french ? nonNull((text) => text.replace(ISO_DATE, "$3/$2/$1")) : keep;
    case "timestamp":
      return french
        ? nonNull((text) => {
            const m = ISO_TIMESTAMP.exec(text);
            return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}:${m[6]}` : text;
          })
        : keep;
    case "integer":
    case "boolean":
      return keep;
  }
}
