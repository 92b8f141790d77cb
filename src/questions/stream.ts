import { asSubquery } from "../template/index.js";
import { once } from "node:events";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";

const pgTypes = pg.types;
import Cursor from "pg-cursor";
import { AppError, DependencyError } from "../errors.js";
import { acquire, cancelBackend, ClientTimeout, failureOf, within } from "../storage/postgres-limits.js";

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
  /** Overall limit of an export, slow readers included (default: twice the statement timeout). */
  deadlineMs?: number;
  /**
   * Waiting for a connection of the export pool (full: as many exports run as it holds) and for the
   * warehouse to answer the set-up statements (a frozen one does not): past it, a 503. Unbounded when absent.
   */
  waitMs?: number;
}

const BUSY_MESSAGE =
  "Trop d'exports sont en cours : le vôtre n'a pas pu commencer. Réessayez dans quelques instants.";

/** Dates leave as Postgres wrote them ('YYYY-MM-DD'), not as JS Dates shifted by the time zone. */
const EXPORT_TYPES = {
  getTypeParser: (oid: number, format?: string) =>
    oid === pgTypes.builtins.DATE ? (value: string) => value : pgTypes.getTypeParser(oid, format as "text"),
};

const TIMEOUT_MESSAGE = "La requête a dépassé le temps maximal autorisé : l'export est interrompu.";

export class ExportError extends AppError {
  constructor(
    readonly reason: "row_cap" | "timeout" | "query_failed" | "aborted",
    message: string,
    cause?: unknown,
  ) {
    super(reason === "query_failed" ? 500 : 422, message, { code: `export_${reason}`, cause });
  }
}

export const UTF8_BOM = "\uFEFF";

/** Offsets of the `$n` placeholders that are SQL, not text inside literals, identifiers or comments. */
export function placeholderPositions(sql: string): Array<{ start: number; end: number; index: number }> {
  return [...maskNonCode(sql).matchAll(/(?<![A-Za-z0-9_$])\$(\d+)/g)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    index: Number(m[1]),
  }));
}

/** True when the SQL holds a `;` outside literals and comments that is followed by more SQL. */
export function hasSeveralStatements(sql: string): boolean {
  const masked = maskNonCode(sql);
  const at = masked.indexOf(";");
  return at !== -1 && masked.slice(at + 1).trim().length > 0;
}

/** The SQL with literals, quoted identifiers and comments blanked out (same length). */
function maskNonCode(sql: string): string {
  const out = sql.split("");
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < Math.min(to, out.length); k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const start = i;
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
      blank(start, i);
    } else if (c === "-" && next === "-") {
      const start = i;
      while (i < sql.length && sql[i] !== "\n") i++;
      blank(start, i);
    } else if (c === "/" && next === "*") {
      // Postgres nests block comments.
      const start = i;
      let depth = 0;
      while (i < sql.length) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      blank(start, i);
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const previous = i > 0 ? sql[i - 1]! : " ";
      if (tag && !/[A-Za-z0-9_]/.test(previous)) {
        const start = i;
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? sql.length : end + tag[0].length;
        blank(start, i);
      } else i++;
    } else i++;
  }
  return out.join("");
}

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
  if (hasSeveralStatements(query.sql)) {
    throw new ExportError(
      "query_failed",
      "La question contient plusieurs instructions SQL : elle ne peut pas être exportée.",
    );
  }
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

/**
 * An export's failure as the caller sees it: the statement timeout (the question is too heavy: 422), a
 * warehouse that does not answer or went away (503, DependencyError), or a failed query.
 */
function translate(error: unknown): ExportError | DependencyError {
  if (error instanceof ExportError || error instanceof DependencyError) return error;
  const code = (error as { code?: string })?.code;
  if (code === "57014") {
    return new ExportError("timeout", TIMEOUT_MESSAGE, error);
  }
  const failure = failureOf(error);
  if (failure) return new DependencyError("warehouse", failure, { cause: error });
  return new ExportError("query_failed", "La requête a échoué : l'export est interrompu.", error);
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
    throw translate(error);
  }
}

/**
 * Runs an export in a read-only transaction with a statement timeout, under an overall deadline: a
 * client that stops reading (back-pressure) or goes away must not hold a warehouse connection past it.
 * On any failure the connection is discarded, never returned to the pool mid-protocol; when the server
 * may still be running the query (the client left, a limit fired), it is asked to cancel it first.
 */
async function inTransaction<T>(
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
    if (!out.writableFinished)
      controller.abort(new ExportError("aborted", "Le téléchargement a été interrompu."));
  };
  out.once("close", onClose);
  let broken = false;
  // A warehouse that does not answer BEGIN is down: say so within the wait, not at the export's deadline.
  const setup = (text: string, values?: unknown[]) =>
    within(client.query(text, values), limits.waitMs, controller.signal, () => new ClientTimeout("query"));
  try {
    await setup("BEGIN READ ONLY");
    await setup(
      "SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)",
      [String(limits.statementTimeoutMs), String(limits.deadlineMs ?? limits.statementTimeoutMs * 2)],
    );
    const result = await abortable(work(client, controller.signal), controller.signal);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken = true;
    // The server answered with an error: the statement is over. Otherwise it may still be running.
    if (!(error instanceof pg.DatabaseError)) void cancelBackend(client, limits.waitMs ?? 5_000);
    throw translate(error);
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

/** Waits until `out` accepts more data, or fails when the export is aborted. */
async function writable(out: Writable, signal: AbortSignal): Promise<void> {
  if (!out.writableNeedDrain) return;
  await once(out, "drain", { signal });
}

/**
 * Writes the CSV (UTF-8 with BOM, header row) to `out`. `onStart` runs (and is awaited) before the
 * first byte. Resolves with the row count; rejects with an ExportError (row cap, timeout, failure,
 * client gone) after which `out` must be destroyed, not ended.
 */
export async function streamCsv(
  pool: pg.Pool,
  query: RenderedQuery,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void | Promise<void>,
): Promise<number> {
  return inTransaction(pool, limits, out, async (client, signal) => {
    const sql = await copyableQuery(client, query);
    const capped = `SELECT * FROM ${asSubquery(sql)} AS export LIMIT ${limits.rowCap + 1}`;
    const copy = client.query(copyTo(`COPY (${capped}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
    let rows = 0;
    let started = false;
    const guard = csvRowGuard(limits.rowCap, (n) => (rows = n));
    const bom = new Transform({
      transform(chunk, _enc, done) {
        if (started) return done(null, chunk);
        started = true;
        Promise.resolve(onStart?.()).then(
          () => {
            this.push(UTF8_BOM);
            done(null, chunk);
          },
          (error: unknown) => done(error as Error),
        );
      },
    });
    await pipeline(copy, guard, bom, out, { end: false, signal });
    if (!started) {
      await onStart?.();
      out.write(UTF8_BOM);
    }
    return rows;
  });
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
  const open = async (columns: string[]) => {
    await onStart?.();
    opened = true;
    out.write(`{"columns":${JSON.stringify(columns)},"rows":[`);
  };
  try {
    return await inTransaction(pool, limits, out, async (client, signal) => {
      if (hasSeveralStatements(query.sql)) {
        throw new ExportError(
          "query_failed",
          "La question contient plusieurs instructions SQL : elle ne peut pas être exportée.",
        );
      }
      const capped = `SELECT * FROM ${asSubquery(query.sql)} AS export LIMIT ${limits.rowCap + 1}`;
      const cursor = client.query(
        new Cursor(capped, [...query.values], { rowMode: "array", types: EXPORT_TYPES }),
      );
      const read = () =>
        new Promise<{ batch: unknown[][]; columns: string[] }>((resolve, reject) =>
          cursor.read(500, (error, batch, result) =>
            error
              ? reject(error)
              : resolve({ batch: batch as unknown[][], columns: (result?.fields ?? []).map((f) => f.name) }),
          ),
        );
      let columns: string[] = [];
      for (;;) {
        const next = await read();
        columns = next.columns.length > 0 ? next.columns : columns;
        if (!opened) await open(columns);
        if (next.batch.length === 0) break;
        for (const row of next.batch) {
          if (rows >= limits.rowCap) {
            throw new ExportError(
              "row_cap",
              `Le résultat dépasse ${limits.rowCap} lignes : affinez les filtres avant d'exporter.`,
            );
          }
          out.write(`${rows === 0 ? "" : ","}${JSON.stringify(row)}`);
          rows++;
          await writable(out, signal);
        }
      }
      out.write(`],"complete":true,"row_count":${rows}}`);
      return rows;
    });
  } catch (error) {
    const failure = translate(error);
    if (opened && !out.destroyed) {
      out.write(`],"complete":false,"error":${JSON.stringify(failure.publicMessage)}}`);
    }
    throw failure;
  }
}
