import type { Executor } from "../storage/database.js";
import type { RenderedQuery } from "../template/index.js";

/** One rendered query run inside a transaction of `pilotage test`, and how its values compare. */

export interface QueryResult {
  columns: string[];
  types: number[];
  rows: Record<string, unknown>[];
  ms: number;
}

export type Outcome = { ok: true; result: QueryResult } | { ok: false; timeout: boolean; message: string };

const QUERY_CANCELED = "57014";

/** Runs one query under a savepoint, so a failing card does not abort the others of its transaction. */
export async function runQuery(tx: Executor, rendered: RenderedQuery): Promise<Outcome> {
  await tx.exec("SAVEPOINT question");
  const started = performance.now();
  try {
    const result = await tx.query(rendered.sql, rendered.values);
    const ms = performance.now() - started;
    await tx.exec("RELEASE SAVEPOINT question");
    const fields = result.fields ?? [];
    return {
      ok: true,
      result: {
        columns: fields.map((f) => f.name),
        types: fields.map((f) => f.dataTypeID),
        rows: result.rows,
        ms,
      },
    };
  } catch (error) {
    await tx.exec("ROLLBACK TO SAVEPOINT question");
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      timeout: code === QUERY_CANCELED,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

export function canonicalValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Buffer.isBuffer(value)) return value.toString("hex");
  return value;
}
