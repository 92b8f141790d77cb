import session from "express-session";
import type { Redis } from "ioredis";

/** Where sessions live in Redis: one string key per session, expiring with it. */
export const SESSION_KEY_PREFIX = "pilotage:sess:";

type Callback = (err?: unknown) => void;

/**
 * An express-session store over ioredis (connect-redis's current major only speaks node-redis). Each
 * session is one JSON value whose Redis TTL is the session cookie's remaining lifetime, so Redis
 * forgets idle sessions on its own, every gateway process sees the same sessions, and a restart loses
 * none of them. `touch` only moves the expiry, which is what a request that changed nothing costs.
 */
export class RedisSessionStore extends session.Store {
  constructor(
    private readonly redis: Redis,
    private readonly fallbackTtlMs: number,
  ) {
    super();
  }

  private key(sid: string): string {
    return `${SESSION_KEY_PREFIX}${sid}`;
  }

  private ttlMs(data: session.SessionData): number {
    const maxAge = data.cookie?.maxAge;
    return typeof maxAge === "number" && maxAge > 0 ? Math.ceil(maxAge) : this.fallbackTtlMs;
  }

  override get(sid: string, callback: (err: unknown, data?: session.SessionData | null) => void): void {
    this.redis.get(this.key(sid)).then(
      (raw) => {
        if (raw === null) return callback(null, null);
        let data: session.SessionData;
        try {
          data = JSON.parse(raw) as session.SessionData;
        } catch {
          // A value we cannot read is no session at all (the person logs in again), not a 500.
          return callback(null, null);
        }
        callback(null, data);
      },
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    this.redis.set(this.key(sid), JSON.stringify(data), "PX", this.ttlMs(data)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    // express-session's typings give touch's callback no error argument, yet it forwards one.
    const done = callback as Callback | undefined;
    this.redis.pexpire(this.key(sid), this.ttlMs(data)).then(
      () => done?.(),
      (error: unknown) => done?.(error),
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.redis.del(this.key(sid)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }
}
