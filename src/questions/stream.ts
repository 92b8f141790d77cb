import { asSubquery } from "../template/index.js";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import Cursor from "pg-cursor";
import { DependencyError } from "../errors.js";
import { acquire, cancelBackend, ClientTimeout, within } from "../storage/postgres-limits.js";
import { coalesce } from "./coalesce.js";
import { csvCellSql, csvDelimiter, csvHeaderLine, type CsvDialect } from "./csv-dialect.js";
import type { QuestionColumn } from "../catalog/index.js";
import { exportColumns } from "./export-columns.js";
import {
  abortedError,
  ExportError,
  noColumnsError,
  rowCapError,
  severalStatementsError,
  TIMEOUT_MESSAGE,
  translateExportError,
  UTF8_BOM,
} from "./export-error.js";
import { drained } from "./response-sink.js";
import { hasSeveralStatements, placeholderPositions } from "./sql-statements.js";

const pgTypes = pg.types;

/**
 * Streams a rendered question out of the warehouse in constant memory: CSV through Postgres'
 * `COPY … TO STDOUT`, JSON (and XLSX, xlsx-export.ts) through a cursor. Values stay bound parameters
 * all the way (PRODUCT.md §3): COPY accepts none, so each `$n` becomes a typed
 * `current_setting('pilotage.pn')` whose value is set with `set_config($1, …)` in the same transaction,
 * and whose type Postgres itself inferred when the statement was prepared.
 */

export interface RenderedQuery {
  sql: string;
  values: readonly unknown[];
}

export interface StreamLimits {
  /** More rows than this is an error, never a silently shortened file. */
  rowCap: number;
  statementTimeoutMs: number;
  /** Overall limit of an export, slow readers included (default: twice the statement timeout). */
  deadlineMs?: number;
  /**
   * Waiting for a connection of the export pool (full: as many exports run as it holds) and for the
   * warehouse to answer the set-up statements (a frozen one does not): past it, a 503. Unbounded when absent.
   */
  waitMs?: number;
}

/** How a CSV is written: its dialect, and the question's column descriptions (labels). */
export interface CsvShape {
  dialect: CsvDialect;
  described: readonly QuestionColumn[];
}

export const RFC4180: CsvShape = { dialect: "rfc4180", described: [] };

/** What the CSV stream gathers before a write to the client (coalesce.ts), and for how long at most. */
const WRITE_SIZE = 256 * 1024;
const WRITE_DELAY_MS = 20;

const BUSY_MESSAGE =
  "Trop d'exports sont en cours : le vôtre n'a pas pu commencer. Réessayez dans quelques instants.";

/** Dates leave as Postgres wrote them ('YYYY-MM-DD'), not as JS Dates shifted by the time zone. */
const EXPORT_TYPES = {
  getTypeParser: (oid: number, format?: string) =>
    oid === pgTypes.builtins.DATE ? (value: string) => value : pgTypes.getTypeParser(oid, format as "text"),
};

function settingValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

const TYPE_NAME = /^[a-z_][a-z0-9_ ]*(\([0-9, ]+\))?(\[\])?$/i;

/**
 * Rewrites placeholders into typed session settings, asking Postgres which type each one has. Refuses
 * any disagreement between the placeholders Postgres sees and the values the renderer bound: where
 * Metabase's lexer and Postgres' differ (nested comments, quotes inside identifiers…), a lock could
 * otherwise silently vanish from the query.
 */
async function copyableQuery(client: pg.PoolClient, query: RenderedQuery): Promise<string> {
  if (hasSeveralStatements(query.sql)) throw severalStatementsError();
  const positions = placeholderPositions(query.sql);
  const indexes = new Set(positions.map((p) => p.index));
  const expected = query.values.length;
  const consistent = indexes.size === expected && [...indexes].every((n) => n >= 1 && n <= expected);
  if (!consistent) {
    throw new ExportError(
      "query_failed",
      "Les paramètres de la question ne correspondent pas à sa requête SQL : export refusé.",
    );
  }
  if (expected === 0) return query.sql;
  const name = `pilotage_export_${process.pid}_${Date.now()}`;
  await client.query(`PREPARE ${name} AS ${query.sql}`);
  const { rows } = await client.query<{ types: string[] }>(
    `SELECT array(SELECT format_type(t, -1) FROM unnest(parameter_types) AS t) AS types
       FROM pg_prepared_statements WHERE name = $1`,
    [name],
  );
  await client.query(`DEALLOCATE ${name}`);
  const types = rows[0]?.types ?? [];
  if (types.length !== expected) {
    throw new ExportError(
      "query_failed",
      "Les paramètres de la question ne correspondent pas à sa requête SQL : export refusé.",
    );
  }
  for (let n = 1; n <= expected; n++) {
    const value = query.values[n - 1];
    if (value !== null && value !== undefined) {
      await client.query("SELECT set_config($1, $2, true)", [`pilotage.p${n}`, settingValue(value)]);
    }
  }
  let sql = "";
  let last = 0;
  for (const p of positions) {
    const type = types[p.index - 1]!;
    if (!TYPE_NAME.test(type)) throw new ExportError("query_failed", "Type de paramètre inattendu.");
    const value = query.values[p.index - 1];
    // A scalar sub-query is an init plan: Postgres reads the setting once per statement, not once per
    // row (`col = ANY (…)`, `IN (…)` over every département would otherwise cost a lookup per value and row).
    const reference =
      value === null || value === undefined
        ? `NULL::${type}`
        : `(SELECT current_setting('pilotage.p${p.index}')::${type})`;
    sql += `${query.sql.slice(last, p.start)}${reference}`;
    last = p.end;
  }
  return sql + query.sql.slice(last);
}

/** Counts CSV records (quote-aware) and fails the stream past the cap. */
function csvRowGuard(rowCap: number, onRows: (n: number) => void): Transform {
  let inQuotes = false;
  let records = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      // Jumps from quote to newline with indexOf rather than visiting every byte. A doubled quote
      // inside a quoted field toggles out and straight back in, which keeps the state right.
      // The next quote's position is kept until passed: searching again on every record would scan
      // the rest of a quote-free chunk once per row.
      let i = 0;
      let quote = -2;
      while (i < chunk.length) {
        if (quote !== -1 && quote < i) quote = chunk.indexOf(0x22, i);
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
      // The header is not COPY's: every record is a row.
      if (records > rowCap) {
        done(rowCapError(rowCap));
        return;
      }
      onRows(records);
      done(null, chunk);
    },
  });
}

/** A connection of the export pool, or a 503 saying why none came: the pool is full, or the warehouse is away. */
async function exportConnection(pool: pg.Pool, limits: StreamLimits): Promise<pg.PoolClient> {
  const full = pool.totalCount >= (pool.options.max ?? 10) && pool.idleCount === 0;
  try {
    return await acquire(pool, { acquireMs: limits.waitMs, signal: undefined });
  } catch (error) {
    if (full) {
      throw new DependencyError("warehouse", "busy", {
        cause: error,
        code: "export_busy",
        message: BUSY_MESSAGE,
      });
    }
    throw translateExportError(error);
  }
}

/**
 * Runs an export in a read-only transaction with a statement timeout, under an overall deadline: a
 * client that stops reading (back-pressure) or goes away must not hold a warehouse connection past it.
 * On any failure the connection is discarded, never returned to the pool mid-protocol; when the server
 * may still be running the query (the client left, a limit fired), it is asked to cancel it first.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  limits: StreamLimits,
  out: Writable,
  work: (client: pg.PoolClient, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const client = await exportConnection(pool, limits);
  const controller = new AbortController();
  const deadline = setTimeout(
    () => controller.abort(new ExportError("timeout", TIMEOUT_MESSAGE)),
    limits.deadlineMs ?? limits.statementTimeoutMs * 2,
  );
  const onClose = () => {
    if (!out.writableFinished) controller.abort(abortedError());
  };
  out.once("close", onClose);
  let broken = false;
  // A warehouse that does not answer BEGIN is down: say so within the wait, not at the export's deadline.
  const setup = (text: string, values?: unknown[]) =>
    within(client.query(text, values), limits.waitMs, controller.signal, () => new ClientTimeout("query"));
  try {
    await setup("BEGIN READ ONLY");
    // ISO dates whatever the server's DateStyle: the French CSV and the XLSX read them.
    await setup(
      "SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true), set_config('DateStyle', 'ISO', true)",
      [String(limits.statementTimeoutMs), String(limits.deadlineMs ?? limits.statementTimeoutMs * 2)],
    );
    const result = await abortable(work(client, controller.signal), controller.signal);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken = true;
    // The server answered with an error: the statement is over. Otherwise it may still be running.
    if (!(error instanceof pg.DatabaseError)) void cancelBackend(client, limits.waitMs ?? 5_000);
    throw translateExportError(error);
  } finally {
    clearTimeout(deadline);
    out.off("close", onClose);
    // A COPY or cursor cut short leaves the connection mid-protocol: discard it rather than reuse it.
    client.release(broken ? true : undefined);
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error) => (signal.removeEventListener("abort", onAbort), reject(error)),
    );
  });
}

/** A query's result columns (names and type oids), without running it: `LIMIT 0` stops before any row. */
async function describeColumns(client: pg.PoolClient, sql: string): Promise<pg.FieldDef[]> {
  const probe = await client.query({
    text: `SELECT * FROM ${asSubquery(sql)} AS export LIMIT 0`,
    rowMode: "array",
  });
  return probe.fields;
}

/**
 * The COPY statement of an export: the question's rows, capped, with each column through its dialect's
 * rule (csv-dialect.ts): the formula escaping of text columns, and for the French dialect the decimal
 * comma and French dates. Positional aliases: a question's column names may repeat or need quoting.
 */
export function copyStatement(
  sql: string,
  columns: ReturnType<typeof exportColumns>,
  dialect: CsvDialect,
  rowCap: number,
): string {
  const aliases = columns.map((_, i) => `c${i + 1}`);
  const cells = columns.map((column, i) => csvCellSql(column, aliases[i]!, dialect));
  const select = `SELECT ${cells.join(", ")} FROM ${asSubquery(sql)} AS export(${aliases.join(", ")}) LIMIT ${rowCap + 1}`;
  return `COPY (${select}) TO STDOUT WITH (FORMAT csv, DELIMITER '${csvDelimiter(dialect)}')`;
}

/**
 * Writes the CSV (UTF-8 with BOM, header row) to `out`. The query is described first (its columns and
 * their types), then copied through copyStatement; the header is written here, from the keys or the
 * labels. `onStart` runs (and is awaited) before the first byte. Resolves with the row count; rejects
 * with an ExportError (row cap, timeout, failure, client gone) after which `out` must be destroyed,
 * not ended.
 */
export async function streamCsv(
  pool: pg.Pool,
  query: RenderedQuery,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void | Promise<void>,
  shape: CsvShape = RFC4180,
): Promise<number> {
  return inTransaction(pool, limits, out, async (client, signal) => {
    const sql = await copyableQuery(client, query);
    const columns = exportColumns(await describeColumns(client, sql), shape.described);
    if (columns.length === 0) throw noColumnsError();
    const head = UTF8_BOM + csvHeaderLine(columns, shape.dialect);
    const copy = client.query(copyTo(copyStatement(sql, columns, shape.dialect, limits.rowCap)));
    let rows = 0;
    let started = false;
    const guard = csvRowGuard(limits.rowCap, (n) => (rows = n));
    const header = new Transform({
      transform(chunk, _enc, done) {
        if (started) return done(null, chunk);
        started = true;
        Promise.resolve(onStart?.()).then(
          () => {
            this.push(head);
            done(null, chunk);
          },
          (error: unknown) => done(error as Error),
        );
      },
    });
    await pipeline(copy, guard, header, coalesce(WRITE_SIZE, WRITE_DELAY_MS), out, { end: false, signal });
    if (!started) {
      await onStart?.();
      out.write(head);
    }
    return rows;
  });
}

/**
 * Reads a query through a cursor, in batches; the first batch (possibly empty) carries the columns.
 * Every value is what `types` parsed from Postgres' text output, or null.
 */
export async function* cursorBatches<T>(
  client: pg.PoolClient,
  query: RenderedQuery,
  rowCap: number,
  types: { getTypeParser: (oid: number, format?: string) => (value: string) => T },
): AsyncGenerator<{ fields: pg.FieldDef[]; rows: Array<Array<T | null>> }> {
  if (hasSeveralStatements(query.sql)) throw severalStatementsError();
  const capped = `SELECT * FROM ${asSubquery(query.sql)} AS export LIMIT ${rowCap + 1}`;
  const cursor = client.query(new Cursor(capped, [...query.values], { rowMode: "array", types }));
  let fields: pg.FieldDef[] = [];
  let first = true;
  for (;;) {
    const next = await new Promise<{ rows: Array<Array<T | null>>; fields: pg.FieldDef[] }>(
      (resolve, reject) =>
        cursor.read(500, (error, rows, result) =>
          // rowMode "array" and our parsers: each row is an array of parsed values or nulls.
          error
            ? reject(error)
            : resolve({ rows: rows as Array<Array<T | null>>, fields: result?.fields ?? [] }),
        ),
    );
    fields = next.fields.length > 0 ? next.fields : fields;
    if (next.rows.length === 0 && !first) return;
    first = false;
    yield { fields, rows: next.rows };
    if (next.rows.length === 0) return;
  }
}

/**
 * Writes `{"columns":[…],"rows":[[…],…],"complete":true}` through a cursor. `onStart` runs (and is
 * awaited) before the first byte. A failure after that ends the document with `"complete":false` and
 * the error, so a reader cannot mistake it for a whole result.
 */
export async function streamJson(
  pool: pg.Pool,
  query: RenderedQuery,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void | Promise<void>,
): Promise<number> {
  let rows = 0;
  let opened = false;
  try {
    return await inTransaction(pool, limits, out, async (client, signal) => {
      for await (const batch of cursorBatches(client, query, limits.rowCap, EXPORT_TYPES)) {
        if (!opened) {
          await onStart?.();
          opened = true;
          out.write(`{"columns":${JSON.stringify(batch.fields.map((f) => f.name))},"rows":[`);
        }
        for (const row of batch.rows) {
          if (rows >= limits.rowCap) throw rowCapError(limits.rowCap);
          const more = out.write(`${rows === 0 ? "" : ","}${JSON.stringify(row)}`);
          rows++;
          if (!more) await drained(out, signal);
        }
      }
      out.write(`],"complete":true,"row_count":${rows}}`);
      return rows;
    });
  } catch (error) {
    const failure = translateExportError(error);
    if (opened && !out.destroyed) {
      out.write(`],"complete":false,"error":${JSON.stringify(failure.publicMessage)}}`);
    }
    throw failure;
  }
}
