import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
import { currentDeadline } from "../deadline.js";
import type { Dependency } from "../errors.js";
import type { Database, Executor, OpenDatabaseOptions, Queryable, QueryResult } from "./database.js";
import {
  acquire,
  budgetOf,
  mustDiscard,
  queryWithin,
  translateFailure,
  type Budget,
} from "./postgres-limits.js";
import { columnsOf, copyStatement, statementName } from "./statements.js";

/**
 * A prepared statement a connection can no longer use: its result type changed under it (a migration
 * altered a column while this process kept running, 0A000) or it vanished (26000, a pooler in between).
 */
const isStalePreparedStatement = (error: unknown) =>
  error instanceof pg.DatabaseError && ["0A000", "26000"].includes(String(error.code));

/** Raised inside a connection's work to have it discarded and the statement retried unprepared. */
class StalePreparedStatement extends Error {}

/** Without limits, as before them: the pool's own wait for a connection. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

const shape = <Row>(result: pg.QueryResult): QueryResult<Row> => ({
  rows: result.rows as Row[],
  rowCount: result.rowCount ?? 0,
  fields: columnsOf(result.fields),
});

export function openPostgres(
  url: string,
  options: OpenDatabaseOptions & { dependency: Dependency },
): Database {
  const { limits, dependency } = options;
  const poolConfig = (max: number, suffix: string): pg.PoolConfig => ({
    connectionString: url,
    max,
    application_name: `pilotage-${options.name}${suffix}`,
    connectionTimeoutMillis: limits?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // A peer gone without a word (a partition) is noticed on idle connections too.
    keepAlive: true,
    // Server side, for a server that is alive but slow: it stops work nobody waits for any more.
    ...((options.statementTimeoutMs ?? limits?.queryTimeoutMs)
      ? { statement_timeout: options.statementTimeoutMs ?? limits?.queryTimeoutMs }
      : {}),
    ...(limits ? { idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs } : {}),
  });
  const pool = new pg.Pool(poolConfig(options.poolSize ?? 10, ""));
  const streamPool = options.streamPoolSize
    ? new pg.Pool(poolConfig(options.streamPoolSize, "-stream"))
    : pool;
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  streamPool.on("error", () => {});
  // A checked-out client has no listener of the pool's: a server ending its connection between two
  // statements (a restart's 57P01) would crash the process. Its next statement fails instead (a 503), and
  // the pool drops it on release.
  for (const each of new Set([pool, streamPool]))
    each.on("connect", (client) => client.on("error", () => {}));
  const cancelTimeoutMs = limits?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

  const fail = (error: unknown) => translateFailure(dependency, error);
  const budget = (): Budget => {
    try {
      return budgetOf(limits, currentDeadline());
    } catch (error) {
      throw fail(error);
    }
  };
  const statement = (client: pg.PoolClient, within: Budget, query: pg.QueryConfig) =>
    limits ? queryWithin(client, query, within, cancelTimeoutMs) : client.query(query);

  /**
   * Runs `work` on a connection of the pool, within the current budget. A connection whose work failed
   * other than by the server's refusal of a statement (a timeout above all) is discarded, never reused.
   */
  async function withClient<T>(work: (client: pg.PoolClient, within: Budget) => Promise<T>): Promise<T> {
    const within = budget();
    let client: pg.PoolClient;
    try {
      client = await acquire(pool, within);
    } catch (error) {
      throw fail(error);
    }
    try {
      const result = await work(client, within);
      client.release();
      return result;
    } catch (error) {
      client.release(mustDiscard(error));
      throw fail(error);
    }
  }

  const run: Queryable["query"] = async (sql, params, queryOptions) => {
    const values = params as unknown[] | undefined;
    if (!queryOptions?.prepare) {
      return withClient(async (client, within) =>
        shape(await statement(client, within, { text: sql, values })),
      );
    }
    try {
      return await withClient(async (client, within) => {
        try {
          return shape(await statement(client, within, { text: sql, values, name: statementName(sql) }));
        } catch (error) {
          // That connection's prepared statements are stale: drop it, answer this query unprepared.
          throw isStalePreparedStatement(error) ? new StalePreparedStatement() : error;
        }
      });
    } catch (error) {
      if (!(error instanceof StalePreparedStatement)) throw error;
      return withClient(async (client, within) =>
        shape(await statement(client, within, { text: sql, values })),
      );
    }
  };

  return {
    kind: "postgres",
    dependency,
    pool,
    streamPool,
    limits,
    query: run,
    async exec(sql) {
      await withClient((client, within) => statement(client, within, { text: sql }));
    },
    async transaction(work) {
      const within = budget();
      let client: pg.PoolClient;
      try {
        client = await acquire(pool, within);
      } catch (error) {
        throw fail(error);
      }
      const send = (query: pg.QueryConfig) => statement(client, within, query);
      let discard = false;
      try {
        await send({ text: "BEGIN" });
        const tx: Executor = {
          // Unprepared inside a transaction: a stale statement could not be retried there.
          async query(sql, params) {
            return shape(await send({ text: sql, values: params as unknown[] | undefined }));
          },
          async exec(sql) {
            await send({ text: sql });
          },
        };
        const result = await work(tx);
        await send({ text: "COMMIT" });
        return result;
      } catch (error) {
        discard = mustDiscard(error);
        if (!discard) {
          // A connection that cannot even roll back is in an unknown state: it goes too.
          await send({ text: "ROLLBACK" }).catch(() => (discard = true));
        }
        throw fail(error);
      } finally {
        client.release(discard);
      }
    },
    async ping() {
      await run("SELECT 1");
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
      const ending = Promise.all([pool.end(), streamPool === pool ? undefined : streamPool.end()]);
      if (!limits) return void (await ending);
      // A frozen server never acknowledges the goodbye: do not wait for it past the limit.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ending,
        new Promise((resolve) => (timer = setTimeout(resolve, limits.connectTimeoutMs))),
      ]);
      clearTimeout(timer);
    },
  };
}
