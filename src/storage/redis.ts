import { Redis } from "ioredis";

/** A command unanswered for this long fails (a frozen server would otherwise hang every request). */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Redis through ioredis. Commands fail fast while the server is away (no offline queue) and after
 * REDIS_COMMAND_TIMEOUT_MS when it is there but does not answer, so pages, readiness checks and rate
 * limits answer instead of hanging; the client keeps reconnecting in the background and recovers
 * without a restart.
 */
export function openRedis(url: string, options: { commandTimeoutMs?: number } = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
    // Commands issued in the same tick (sessions, rate limits of concurrent requests) share one write.
    enableAutoPipelining: true,
  });
  // Connection errors are reported by /readyz; an unhandled 'error' event would crash the process.
  redis.on("error", () => {});
  return redis;
}

/**
 * The result cache's Redis: a cache that answers late is worse than none (the page computes instead),
 * so its commands give up sooner than those of sessions and limits.
 */
export const CACHE_REDIS_COMMAND_TIMEOUT_MS = 250;

export async function waitForRedis(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis injoignable après ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off("ready", onReady);
    };
    redis.on("ready", onReady);
  });
}
