import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";

/**
 * One small interface over the two Postgres implementations the product runs on: a real server
 * (`pg`, production and tests) and PGlite (Postgres compiled to WASM, the embedded default of the demo).
 * Both speak the same SQL, so migrations and queries are written once.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
  /** The result's columns in order (names may repeat, which `rows` as objects cannot show). */
  fields?: Array<{ name: string; dataTypeID: number }>;
}

export interface QueryOptions {
  /**
   * Prepares the statement once per connection (Postgres; PGlite ignores it): for the statements of hot
   * paths, whose planning costs more than their execution. Named after a hash of its text, so one name
   * always means one text. Behind PgBouncer in transaction mode this needs `max_prepared_statements`
   * (PgBouncer ≥ 1.21).
   */
  prepare?: boolean;
}

const statementNames = new Map<string, string>();
/** A stable name per SQL text (the texts of `prepare` queries are constants of the code: the map stays small). */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `pilotage_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * A prepared statement a connection can no longer use: its result type changed under it (a migration
 * altered a column while this process kept running, 0A000) or it vanished (26000, a pooler in between).
 */
const isStalePreparedStatement = (error: unknown) =>
  ["0A000", "26000"].includes(String((error as { code?: unknown } | null)?.code));

export interface Queryable {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<Row>>;
}

export interface Executor extends Queryable {
  /** Runs several statements without parameters (migrations, schema set-up). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Executor {
  readonly kind: "postgres" | "pglite";
  /** Runs `work` in a transaction; rolls back when it throws. */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The underlying pg pool, for streaming (COPY, cursors); undefined on PGlite. */
  readonly pool: pg.Pool | undefined;
  /**
   * Bulk-loads rows given as COPY text-format chunks (tab-separated, `\N` for null, one row a line):
   * streamed with backpressure on Postgres, handed over as one blob on PGlite (which has no STDIN).
   */
  copyFrom(table: string, columns: readonly string[], chunks: Iterable<string>): Promise<void>;
}

function columnsOf(
  fields: ReadonlyArray<{ name: string; dataTypeID: number }> | undefined,
): Array<{ name: string; dataTypeID: number }> {
  return (fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
}

function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(", ")}) FROM ${source}`;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url: string | undefined;
  /** PGlite data folder; `memory://` keeps everything in memory. */
  pgliteDataDir: string;
  /** Name shown in errors and readiness checks. */
  name: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options.pgliteDataDir);
}

/**
 * Dates (`date` columns) stay the 'YYYY-MM-DD' strings Postgres sends: turning them into JS Dates at
 * local midnight shifts them by a day once serialised in UTC (exports, JSON API).
 */
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

function openPostgres(url: string, options: OpenDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: `pilotage-${options.name}`,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const run: Queryable["query"] = async (sql, params, options) => {
    const values = params as unknown[] | undefined;
    if (!options?.prepare) {
      const result = await pool.query(sql, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0, fields: columnsOf(result.fields) };
    }
    const client = await pool.connect();
    let result: pg.QueryResult;
    try {
      result = await client.query({ text: sql, values, name: statementName(sql) });
      client.release();
    } catch (error) {
      if (!isStalePreparedStatement(error)) {
        client.release();
        throw error;
      }
      // That connection's prepared statements are stale: drop it, answer this query unprepared.
      client.release(true);
      result = await pool.query(sql, values);
    }
    return { rows: result.rows, rowCount: result.rowCount ?? 0, fields: columnsOf(result.fields) };
  };
  return {
    kind: "postgres",
    pool,
    query: run,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          // Unprepared inside a transaction: a stale statement could not be retried there.
          async query(sql, params) {
            const r = await client.query(sql, params as unknown[] | undefined);
            return { rows: r.rows, rowCount: r.rowCount ?? 0, fields: columnsOf(r.fields) };
          },
          async exec(sql) {
            await client.query(sql);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async copyFrom(table, columns, chunks) {
      const client = await pool.connect();
      try {
        await pipeline(
          Readable.from(chunks),
          client.query(copyFromStdin(copyStatement(table, columns, "STDIN"))),
        );
        client.release();
      } catch (error) {
        // A connection left in the middle of a COPY cannot be reused: destroy it.
        client.release(true);
        throw error;
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith("memory://")) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const db = await PGlite.create(dataDir);
  const run: Queryable["query"] = async (sql, params) => {
    const result = await db.query(sql, params as unknown[] | undefined);
    return {
      rows: result.rows as never[],
      rowCount: result.affectedRows ?? result.rows.length,
      fields: columnsOf(result.fields),
    };
  };
  return {
    kind: "pglite",
    pool: undefined,
    query: run,
    async exec(sql) {
      await db.exec(sql);
    },
    async transaction(work) {
      return db.transaction(async (tx) =>
        work({
          async query(sql, params) {
            const r = await tx.query(sql, params as unknown[] | undefined);
            return {
              rows: r.rows as never[],
              rowCount: r.affectedRows ?? r.rows.length,
              fields: columnsOf(r.fields),
            };
          },
          async exec(sql) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async ping() {
      await db.query("SELECT 1");
    },
    async copyFrom(table, columns, chunks) {
      await db.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([...chunks]) });
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
