/**
 * A question's SQL as a subquery, `(…)`, to wrap it (row caps, exports, column probes) without touching
 * it: the line breaks keep a trailing `--` comment from swallowing what follows, and a final `;` (with
 * any comments after it) is dropped, since a statement cannot end inside parentheses.
 */
export function asSubquery(sql: string): string {
  return `(\n${sql.replace(/;((?:\s|--[^\n]*)*)$/, "$1")}\n)`;
}
