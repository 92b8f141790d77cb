/**
 * CSV formula injection (issue 15 §3, OWASP's "CSV Injection"): a spreadsheet that opens an export
 * reads a cell starting with `=`, `+`, `-` or `@` as a formula (and tab or carriage return can hide such
 * a start), so text that comes from the data (a structure's name typed by its employer…) could run
 * `=HYPERLINK(…)` or worse on the reader's machine. Such a text cell gets a leading `'`, which
 * spreadsheets read as "this is text". Only text cells: numbers, negative ones included, are written
 * as they are; JSON is never escaped.
 *
 * The same rule exists twice, in SQL for `COPY … TO STDOUT` (Postgres writes the bytes, the gateway
 * only passes them on) and in TypeScript for the buffered path and XLSX; the export tests hold them to
 * the same bytes.
 */

/** Code points of `\t`, `\r`, `+`, `-`, `=`, `@`: all below `A` (65), which the SQL tests first. */
const TRIGGER_CODES = [9, 13, 43, 45, 61, 64] as const;

const TRIGGER = /^[\t\r+\-=@]/;

export function startsLikeFormula(text: string): boolean {
  return TRIGGER.test(text);
}

export function escapeFormula(text: string): string {
  return TRIGGER.test(text) ? `'${text}` : text;
}

/**
 * The rule on a text-valued SQL expression (NULL stays NULL). The `< 65` test first: most text starts
 * with a letter, and one integer comparison is cheaper than the list (the COPY benchmark).
 */
export function sqlEscapeFormula(expression: string): string {
  return (
    `CASE WHEN ascii(${expression}) < 65 AND ascii(${expression}) IN (${TRIGGER_CODES.join(", ")}) ` +
    `THEN '''' || ${expression} ELSE ${expression} END`
  );
}
