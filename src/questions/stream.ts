import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import Cursor from "pg-cursor";
import { AppError } from "../errors.js";

/**
 * Streams a rendered question out of the warehouse in constant memory: CSV through Postgres'
 * `COPY … TO STDOUT`, JSON through a cursor. Values stay bound parameters all the way (PRODUCT.md §3):
 * COPY accepts none, so each `$n` becomes a typed `current_setting('pilotage.pn')` whose value is set
 * with `set_config($1, …)` in the same transaction, and whose type Postgres itself inferred when the
 * statement was prepared.
 */

export interface RenderedQuery {
  sql: string;
  values: readonly unknown[];
}

export interface StreamLimits {
  /** More rows than this is an error, never a silently shortened file. */
  rowCap: number;
  statementTimeoutMs: number;
}

export class ExportError extends AppError {
  constructor(
    readonly reason: "row_cap" | "timeout" | "query_failed",
    message: string,
    cause?: unknown,
  ) {
    super(reason === "query_failed" ? 500 : 422, message, { code: `export_${reason}`, cause });
  }
}

export const UTF8_BOM = "\uFEFF";

/** Offsets of the `$n` placeholders that are SQL, not text inside literals, identifiers or comments. */
export function placeholderPositions(sql: string): Array<{ start: number; end: number; index: number }> {
  const found: Array<{ start: number; end: number; index: number }> = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const close = c;
      i++;
      while (i < sql.length) {
        if (sql[i] === close) {
          if (sql[i + 1] === close) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === "-" && next === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const number = /^\$(\d+)/.exec(sql.slice(i));
      const previous = i > 0 ? sql[i - 1]! : " ";
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? sql.length : end + tag[0].length;
      } else if (number && !/[A-Za-z0-9_]/.test(previous)) {
        found.push({ start: i, end: i + number[0].length, index: Number(number[1]) });
        i += number[0].length;
      } else i++;
    } else i++;
  }
  return found;
}

function settingValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value === null || value === undefined) return "";
  return String(value);
}

/** Rewrites placeholders into typed session settings, asking Postgres which type each one has. */
async function copyableQuery(client: pg.PoolClient, query: RenderedQuery): Promise<string> {
  const positions = placeholderPositions(query.sql);
  if (positions.length === 0) return query.sql;
  const name = `pilotage_export_${process.pid}_${Date.now()}`;
  await client.query(`PREPARE ${name} AS ${query.sql}`);
  const { rows } = await client.query<{ types: string[] }>(
    "SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1",
    [name],
  );
  await client.query(`DEALLOCATE ${name}`);
  const types = rows[0]?.types ?? [];
  for (let n = 1; n <= query.values.length; n++) {
    await client.query("SELECT set_config($1, $2, true)", [
      `pilotage.p${n}`,
      settingValue(query.values[n - 1]),
    ]);
  }
  let sql = "";
  let last = 0;
  for (const p of positions) {
    const type = types[p.index - 1] ?? "text";
    if (!/^[a-z0-9_ ."\[\]]+$/i.test(type))
      throw new ExportError("query_failed", "Type de paramètre inattendu.");
    sql += `${query.sql.slice(last, p.start)}current_setting('pilotage.p${p.index}')::${type}`;
    last = p.end;
  }
  return sql + query.sql.slice(last);
}

function withoutTrailingSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, "");
}

/** Counts CSV records (quote-aware) and fails the stream past the cap. */
function csvRowGuard(rowCap: number, onRows: (n: number) => void): Transform {
  let inQuotes = false;
  let records = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      // Jumps from quote to newline with indexOf rather than visiting every byte. A doubled quote
      // inside a quoted field toggles out and straight back in, which keeps the state right.
      let i = 0;
      while (i < chunk.length) {
        const quote = chunk.indexOf(0x22, i);
        if (inQuotes) {
          if (quote === -1) break;
          inQuotes = false;
          i = quote + 1;
          continue;
        }
        const newline = chunk.indexOf(0x0a, i);
        if (newline !== -1 && (quote === -1 || newline < quote)) {
          records++;
          i = newline + 1;
        } else if (quote !== -1) {
          inQuotes = true;
          i = quote + 1;
        } else break;
      }
      // The first record is the header.
      if (records - 1 > rowCap) {
        done(
          new ExportError(
            "row_cap",
            `Le résultat dépasse ${rowCap} lignes : affinez les filtres avant d'exporter.`,
          ),
        );
        return;
      }
      onRows(Math.max(0, records - 1));
      done(null, chunk);
    },
  });
}

function translate(error: unknown): ExportError {
  if (error instanceof ExportError) return error;
  const code = (error as { code?: string })?.code;
  if (code === "57014") {
    return new ExportError(
      "timeout",
      "La requête a dépassé le temps maximal autorisé : l'export est interrompu.",
      error,
    );
  }
  return new ExportError("query_failed", "La requête a échoué : l'export est interrompu.", error);
}

async function inTransaction<T>(
  pool: pg.Pool,
  limits: StreamLimits,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SELECT set_config('statement_timeout', $1, true)", [
      String(limits.statementTimeoutMs),
    ]);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken = true;
    throw translate(error);
  } finally {
    if (broken) {
      // A COPY cut short leaves the connection mid-protocol: discard it rather than reuse it.
      client.release(true);
    } else client.release();
  }
}

/**
 * Writes the CSV (UTF-8 with BOM, header row) to `out`. Resolves with the row count; rejects with an
 * ExportError (row cap, timeout, failure) after which `out` must be destroyed, not ended.
 */
export async function streamCsv(
  pool: pg.Pool,
  query: RenderedQuery,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void,
): Promise<number> {
  return inTransaction(pool, limits, async (client) => {
    const sql = await copyableQuery(client, query);
    const capped = `SELECT * FROM (${withoutTrailingSemicolon(sql)}) AS export LIMIT ${limits.rowCap + 1}`;
    const copy = client.query(copyTo(`COPY (${capped}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
    let rows = 0;
    let started = false;
    const guard = csvRowGuard(limits.rowCap, (n) => (rows = n));
    const bom = new Transform({
      transform(chunk, _enc, done) {
        if (!started) {
          started = true;
          onStart?.();
          this.push(UTF8_BOM);
        }
        done(null, chunk);
      },
    });
    await pipeline(copy, guard, bom, out, { end: false });
    if (!started) {
      onStart?.();
      out.write(UTF8_BOM);
    }
    return rows;
  });
}

/**
 * Writes `{"columns":[…],"rows":[[…],…],"complete":true}` through a cursor. A failure after the first
 * row ends the document with `"complete":false` and the error, so a reader cannot mistake it for a
 * whole result.
 */
export async function streamJson(
  pool: pg.Pool,
  query: RenderedQuery,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void,
): Promise<number> {
  let rows = 0;
  let opened = false;
  const open = (columns: string[]) => {
    opened = true;
    onStart?.();
    out.write(`{"columns":${JSON.stringify(columns)},"rows":[`);
  };
  try {
    return await inTransaction(pool, limits, async (client) => {
      const capped = `SELECT * FROM (${withoutTrailingSemicolon(query.sql)}) AS export LIMIT ${limits.rowCap + 1}`;
      const cursor = client.query(new Cursor(capped, [...query.values], { rowMode: "array" }));
      const read = () =>
        new Promise<{ batch: unknown[][]; columns: string[] }>((resolve, reject) =>
          cursor.read(500, (error, batch, result) =>
            error
              ? reject(error)
              : resolve({ batch: batch as unknown[][], columns: (result?.fields ?? []).map((f) => f.name) }),
          ),
        );
      let columns: string[] = [];
      try {
        for (;;) {
          const next = await read();
          columns = next.columns.length > 0 ? next.columns : columns;
          if (!opened) open(columns);
          if (next.batch.length === 0) break;
          for (const row of next.batch) {
            if (rows >= limits.rowCap) {
              throw new ExportError(
                "row_cap",
                `Le résultat dépasse ${limits.rowCap} lignes : affinez les filtres avant d'exporter.`,
              );
            }
            const ok = out.write(`${rows === 0 ? "" : ","}${JSON.stringify(row)}`);
            rows++;
            if (!ok) await new Promise((resolve) => out.once("drain", resolve));
          }
        }
      } finally {
        await new Promise<void>((resolve) => cursor.close(() => resolve()));
      }
      out.write(`],"complete":true,"row_count":${rows}}`);
      return rows;
    });
  } catch (error) {
    const failure = translate(error);
    if (opened) out.write(`],"complete":false,"error":${JSON.stringify(failure.publicMessage)}}`);
    throw failure;
  }
}
