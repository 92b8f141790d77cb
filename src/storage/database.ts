import pg from "pg";
import type { Dependency } from "../errors.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";
import type { DatabaseLimits } from "./postgres-limits.js";

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
  /** What metrics, logs and 503s call this database when it fails. */
  readonly dependency: Dependency;
  /** Runs `work` in a transaction; rolls back when it throws. */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The underlying pg pool of short queries (pages, audit); undefined on PGlite. */
  readonly pool: pg.Pool | undefined;
  /**
   * The pool of long streaming work (COPY, cursors: exports), apart from `pool` so that exports never
   * take the connections pages need (`streamPoolSize`; `pool` itself when not asked for); undefined on PGlite.
   */
  readonly streamPool: pg.Pool | undefined;
  /** The client-side limits in force (undefined: none, as for the CLI; always undefined on PGlite). */
  readonly limits: DatabaseLimits | undefined;
  /**
   * Bulk-loads rows given as COPY text-format chunks (tab-separated, `\N` for null, one row a line):
   * streamed with backpressure on Postgres, handed over as one blob on PGlite (which has no STDIN).
   */
  copyFrom(table: string, columns: readonly string[], chunks: Iterable<string>): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url: string | undefined;
  /** PGlite data folder; `memory://` keeps everything in memory. */
  pgliteDataDir: string;
  /** Name shown in errors and readiness checks. */
  name: string;
  /** What a failure counts as; `warehouse` for the database named so, `gateway_database` otherwise. */
  dependency?: Dependency;
  poolSize?: number;
  /** A second pool for streaming work (exports); without it, streaming shares `pool`. */
  streamPoolSize?: number;
  statementTimeoutMs?: number;
  /**
   * Client-side limits (the running gateway: src/main.ts). Without them nothing is bounded, as the CLI's
   * long seeds and migrations want. PGlite ignores them: it runs in this thread and cannot be frozen apart.
   */
  limits?: DatabaseLimits;
}

/** A database as messages name it: its host and name (never its password), or PGlite's folder. */
export function describeDatabase(url: string | undefined, pgliteDir: string): string {
  if (!url) return `PGlite (${pgliteDir})`;
  const parsed = new URL(url);
  return `Postgres ${parsed.host}${parsed.pathname}`;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const dependency = options.dependency ?? (options.name === "warehouse" ? "warehouse" : "gateway_database");
  return options.url
    ? openPostgres(options.url, { ...options, dependency })
    : openPglite(options.pgliteDataDir, dependency);
}

/**
 * Dates (`date` columns) stay the 'YYYY-MM-DD' strings Postgres sends: turning them into JS Dates at
 * local midnight shifts them by a day once serialised in UTC (exports, JSON API).
 */
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
