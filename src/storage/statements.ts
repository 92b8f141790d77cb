import { createHash } from "node:crypto";

/** What the Postgres and PGlite implementations share about statements and their results. */

const statementNames = new Map<string, string>();
/** A stable name per SQL text (the texts of `prepare` queries are constants of the code: the map stays small). */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `pilotage_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

export function columnsOf(
  fields: ReadonlyArray<{ name: string; dataTypeID: number }> | undefined,
): Array<{ name: string; dataTypeID: number }> {
  return (fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
}

export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(", ")}) FROM ${source}`;
}
