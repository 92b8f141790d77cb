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
 * A fixed-window limit that answers 429 (French page or JSON, with `Retry-After`) through the error
 * handler. With Redis, counters are shared by every gateway process; if Redis stops answering, each
 * process falls back to its own in-memory counter rather than refusing everyone or limiting no one.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const common = {
    keyPrefix: `pilotage:rl:${options.name}`,
    points: options.points,
    duration: options.windowSeconds,
  };
  const limiter = options.redis
    ? new RateLimiterRedis({
        ...common,
        storeClient: options.redis,
        insuranceLimiter: new RateLimiterMemory(common),
      })
    : new RateLimiterMemory(common);
  const keyOf = options.keyOf ?? ((req: Request) => req.ip ?? "unknown");

  return async (req, res, next) => {
    try {
      const result = await limiter.consume(keyOf(req));
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
