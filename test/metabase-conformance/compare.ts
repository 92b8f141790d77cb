/**
 * How a rendered query is compared with Metabase's: Metabase's tests print SQL for H2 with JDBC `?`, the
 * renderers write `$1, $2, …` for Postgres, and what Metabase inlines (numbers, booleans) one of them may bind.
 * So both sides are brought to one text: every placeholder replaced by the literal of its value, temporal
 * values in one spelling (a date-time at midnight is its date, `:00` seconds dropped), whitespace collapsed
 * and none kept inside parentheses. What differs after that differs in meaning.
 */

const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?$/;
const WHOLE_MINUTE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}):00(?:\.0+)?$/;

function temporal(s: string): string {
  return s.replace(MIDNIGHT, "$1").replace(WHOLE_MINUTE, "$1");
}

export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return `'${temporal(String(value)).replaceAll("'", "''")}'`;
}

function tidy(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim();
}

/** Metabase's side: `?` placeholders, in order. */
export function inlineQuestionMarks(sql: string, params: readonly unknown[]): string {
  let i = 0;
  return tidy(sql.replace(/\?/g, () => literal(params[i++])));
}

/** A renderer's side: `$n` placeholders. */
export function inlineDollars(sql: string, values: readonly unknown[]): string {
  return tidy(sql.replace(/\$(\d+)/g, (_m, n: string) => literal(values[Number(n) - 1])));
}
