import type { Request, RequestHandler } from "express";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { TooManyRequestsError } from "../errors.js";

export interface RateLimitOptions {
  /** Names the counter in Redis (`pilotage:rl:<name>:<key>`); two limiters never share a name. */
  name: string;
  /** Requests allowed per key and per window. */
  points: number;
  windowSeconds: number;
  /** Shared by every gateway process when present; in memory (one process) otherwise. */
  redis: Redis | undefined;
  /** What is counted; the client's address by default (`trust proxy` decides which one). */
  keyOf?: (req: Request) => string;
}

/**
 * How long a request waits for the shared counter before counting in its own process instead. A frozen
 * Redis answers nothing, and waiting for its command timeout (2 s) would spend the request's deadline on
 * a rate limit: the public pages, which need no session, would fail with Redis although nothing else of
 * theirs depends on it (docs/failure-policy.md).
 */
export const RATE_LIMIT_REDIS_WAIT_MS = 250;

/**
 * A fixed-window limit that answers 429 (French page or JSON, with `Retry-After`) through the error
 * handler. With Redis, counters are shared by every gateway process; if Redis stops answering, or answers
 * later than RATE_LIMIT_REDIS_WAIT_MS, each process falls back to its own in-memory counter rather than
 * refusing everyone or limiting no one.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const common = {
    keyPrefix: `pilotage:rl:${options.name}`,
    points: options.points,
    duration: options.windowSeconds,
  };
  const local = new RateLimiterMemory(common);
  const shared = options.redis ? new RateLimiterRedis({ ...common, storeClient: options.redis }) : undefined;
  const keyOf = options.keyOf ?? ((req: Request) => req.ip ?? "unknown");

  const consume = async (key: string): Promise<RateLimiterRes> => {
    if (!shared) return local.consume(key);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), RATE_LIMIT_REDIS_WAIT_MS);
    });
    // A refusal (over the limit) stands; a Redis failure, now or after the wait, falls back once to this
    // process's counter, decided here alone (an insurance limiter in rate-limiter-flexible would count a
    // late failure a second time).
    const answer = shared
      .consume(key)
      .catch((error: unknown) =>
        error instanceof RateLimiterRes ? Promise.reject(error) : ("failed" as const),
      );
    try {
      const first = await Promise.race([answer, late]);
      return first === "late" || first === "failed" ? await local.consume(key) : first;
    } finally {
      clearTimeout(timer);
    }
  };

  return async (req, res, next) => {
    try {
      const result = await consume(keyOf(req));
      res.setHeader("RateLimit-Remaining", String(result.remainingPoints));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      }
      throw rejection;
    }
    next();
  };
}
