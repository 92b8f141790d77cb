import net from "node:net";
import pg from "pg";
import { z } from "zod";
import { DeadlineAbort, type Deadline } from "../deadline.js";
import { ClientGoneError, DependencyError, type Dependency, type DependencyFailure } from "../errors.js";

/**
 * Client-side limits on a Postgres server (issue 21). A server stopped with SIGSTOP, a partition or a
 * stuck disk answers nothing, so none of its own timeouts fire: here every wait has an end. Waiting for a
 * pooled connection and connecting are bounded, each statement is bounded by the request's deadline (or
 * by `queryTimeoutMs` outside a request), a connection whose statement did not finish is cancelled on the
 * server and discarded, never handed to the next caller behind a query that may still be running.
 */
export interface DatabaseLimits {
  /** Connecting (TCP, start-up, authentication), and waiting for a connection of a full pool. */
  connectTimeoutMs: number;
  /** A statement run outside any request deadline (start-up, readiness); also the server's statement_timeout. */
  queryTimeoutMs: number;
  /** The server ends a transaction left idle this long (a process that froze in the middle of one). */
  idleInTransactionTimeoutMs: number;
}

/** Connecting normally takes milliseconds, a few hundred with TLS far away: two seconds is plenty. */
export const CONNECT_TIMEOUT_MS = 2_000;

/** The limits of a database used by requests whose deadline is `deadlineMs`. */
export function databaseLimits(deadlineMs: number): DatabaseLimits {
  return {
    connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, deadlineMs),
    queryTimeoutMs: deadlineMs,
    idleInTransactionTimeoutMs: deadlineMs,
  };
}

/** Why a wait of this side ended: the statement or the pool never answered in time. */
export class ClientTimeout extends Error {
  constructor(what: "acquire" | "query") {
    super(what === "acquire" ? "no connection within the limit" : "no answer within the limit");
    this.name = "ClientTimeout";
  }
}

/**
 * What a call may wait: from the request's deadline when there is one, from the limits otherwise;
 * nothing is bounded without limits (the CLI).
 */
export interface Budget {
  acquireMs: number | undefined;
  queryMs: number | undefined;
  signal: AbortSignal | undefined;
}

export const UNBOUNDED: Budget = { acquireMs: undefined, queryMs: undefined, signal: undefined };

export function budgetOf(limits: DatabaseLimits | undefined, deadline: Deadline | undefined): Budget {
  if (!limits) return UNBOUNDED;
  if (!deadline)
    return { acquireMs: limits.connectTimeoutMs, queryMs: limits.queryTimeoutMs, signal: undefined };
  if (deadline.signal.aborted) throw deadline.signal.reason;
  const left = deadline.remainingMs();
  return { acquireMs: Math.min(limits.connectTimeoutMs, left), queryMs: left, signal: deadline.signal };
}

/** Settles with `work`, or rejects at `timeoutMs` or when `signal` aborts, whichever comes first. */
export function within<T>(
  work: Promise<T>,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
): Promise<T> {
  if (timeoutMs === undefined && !signal) return work;
  if (signal?.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => (stop(), reject(signal?.reason));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => (stop(), reject(onTimeout())), Math.max(0, timeoutMs));
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => (stop(), resolve(value)),
      (error: unknown) => (stop(), reject(error)),
    );
  });
}

/**
 * A connection of `pool` within `timeoutMs`. One the pool hands over after the caller gave up goes
 * straight back.
 */
export async function acquire(
  pool: pg.Pool,
  budget: Pick<Budget, "acquireMs" | "signal">,
): Promise<pg.PoolClient> {
  const pending = pool.connect();
  try {
    return await within(pending, budget.acquireMs, budget.signal, () => new ClientTimeout("acquire"));
  } catch (error) {
    pending.then(
      (client) => client.release(),
      () => {},
    );
    throw error;
  }
}

/**
 * Runs one statement on `client` within the budget. When it does not settle in time, the server is asked
 * to cancel it and the caller must discard the connection (`release(true)`): it is still busy with it.
 */
export async function queryWithin<Row extends pg.QueryResultRow>(
  client: pg.PoolClient,
  query: pg.QueryConfig,
  budget: Pick<Budget, "queryMs" | "signal">,
  cancelTimeoutMs: number,
): Promise<pg.QueryResult<Row>> {
  try {
    return await within(
      client.query<Row>(query),
      budget.queryMs,
      budget.signal,
      () => new ClientTimeout("query"),
    );
  } catch (error) {
    if (error instanceof ClientTimeout || error instanceof DeadlineAbort)
      void cancelBackend(client, cancelTimeoutMs);
    throw error;
  }
}

/** SQLSTATEs that say the connection or the server failed, not the statement. */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "57P04", "57P05", "53300", "53400"]);
/** Node's codes for a peer that refused, vanished or cannot be found. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * How an error of a call to Postgres counts: a timeout, an unavailable server, or undefined when the
 * server answered with an error about the statement itself (a bug or a constraint: not a dependency
 * failure, and the connection is still good).
 */
export function failureOf(error: unknown): DependencyFailure | undefined {
  if (error instanceof ClientTimeout) return "timeout";
  if (error instanceof DeadlineAbort) return error.end === "expired" ? "timeout" : undefined;
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? "";
    if (code === "57014" || code === "25P03") return "timeout";
    if (code.startsWith("08") || UNAVAILABLE_CODES.has(code)) return "unavailable";
    return undefined;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return "unavailable";
  const message = error instanceof Error ? error.message : "";
  // pg's own wording: the pool's queue and connect timeouts, a connection lost under a query.
  if (/timeout/i.test(message)) return "timeout";
  if (/Connection terminated|not queryable|Client was closed/i.test(message)) return "unavailable";
  return undefined;
}

/** A connection that failed this way is done for: never given back to the pool. */
export function mustDiscard(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return failureOf(error) === "unavailable";
  return true;
}

/** The error a caller sees: a DependencyError (503) for a failing server, the client's departure, or the original. */
export function translateFailure(dependency: Dependency, error: unknown): unknown {
  if (error instanceof DeadlineAbort && error.end === "client_gone") return new ClientGoneError(error);
  const failure = failureOf(error);
  return failure ? new DependencyError(dependency, failure, { cause: error }) : error;
}

const CancelTarget = z.object({
  host: z.string().min(1),
  port: z.number().int().positive(),
  processID: z.number().int(),
  secretKey: z.number().int(),
});

/** How long a cancel request's socket is kept open for a server that has not read it yet (a frozen one). */
const CANCEL_LINGER_MS = 60_000;

/**
 * Asks the server to cancel what `client`'s backend is running, over a connection of its own (the
 * protocol's CancelRequest: no authentication, no pool slot). Resolves once sent, or when it could not be
 * (never rejects). The socket stays open until the server closes it: a frozen server reads it, and
 * cancels, when it resumes; closing first would reset the connection and lose the request.
 */
export function cancelBackend(client: pg.PoolClient, connectTimeoutMs: number): Promise<void> {
  const target = CancelTarget.safeParse(client);
  if (!target.success) return Promise.resolve();
  const { host, port, processID, secretKey } = target.data;
  return new Promise<void>((resolve) => {
    const socket = host.startsWith("/") ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
    const linger = setTimeout(() => socket.destroy(), CANCEL_LINGER_MS);
    linger.unref();
    const connectTimer = setTimeout(() => socket.destroy(), connectTimeoutMs);
    connectTimer.unref();
    socket.unref();
    socket.once("error", () => resolve());
    socket.once("close", () => {
      clearTimeout(linger);
      clearTimeout(connectTimer);
      resolve();
    });
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(80877102, 4);
      message.writeInt32BE(processID, 8);
      message.writeInt32BE(secretKey, 12);
      socket.end(message, () => resolve());
    });
  });
}
