import session from "express-session";
import type { Redis } from "ioredis";
import { DependencyError } from "../errors.js";

/** Where sessions live in Redis: one string key per session, expiring with it. */
export const SESSION_KEY_PREFIX = "pilotage:sess:";

type Callback = (err?: unknown) => void;

/** Sessions kept parsed by `getShared` (a few kB each), the least recently asked for leaving first. */
const SHARED_SESSIONS = 2_000;

/** A stored session, or null for a value we cannot read: no session at all (the person logs in again), not a 500. */
function parseStored(raw: string): session.SessionData | null {
  try {
    return JSON.parse(raw) as session.SessionData;
  } catch {
    return null;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * A Redis that does not answer (REDIS_COMMAND_TIMEOUT_MS) or is away: sessions need it, so the request
 * ends in a 503 whose page says to try again (docs/failure-policy.md), not in a generic 500.
 */
export function sessionStoreFailure(error: unknown): DependencyError {
  const message = error instanceof Error ? error.message : "";
  return new DependencyError("redis", /timed out/i.test(message) ? "timeout" : "unavailable", {
    cause: error,
  });
}

/**
 * An express-session store over ioredis (connect-redis's current major only speaks node-redis). Each
 * session is one JSON value whose Redis TTL is the session cookie's remaining lifetime, so Redis
 * forgets idle sessions on its own, every gateway process sees the same sessions, and a restart loses
 * none of them.
 *
 * `touch` (a request that changed nothing) only moves the expiry, and only when it would move it by at
 * least `touchAfterMs` past the one this process last set — connect-mongo's `touchAfter`: a person
 * clicking through pages costs one Redis round trip per request instead of two. The idle timeout then
 * holds to within `touchAfterMs` (a session may end up to that much sooner, never later).
 */
export class RedisSessionStore extends session.Store {
  /** Expiry (epoch ms) this process last gave each session, in two generations of `touchAfterMs`. */
  private setExpiries = new Map<string, number>();
  private olderExpiries = new Map<string, number>();
  private generationStartedAt = Date.now();
  /** The sessions `getShared` answered last, with the stored bytes they were parsed from. */
  private shared = new Map<string, { raw: string; data: Readonly<session.SessionData> }>();

  constructor(
    private readonly redis: Redis,
    private readonly fallbackTtlMs: number,
    private readonly touchAfterMs = 0,
  ) {
    super();
  }

  private rememberExpiry(sid: string, expiresAt: number | undefined): void {
    if (this.touchAfterMs <= 0) return;
    const now = Date.now();
    if (now - this.generationStartedAt >= this.touchAfterMs) {
      // Older entries could not spare a touch any more: the memory stays bounded by recent activity.
      this.olderExpiries = this.setExpiries;
      this.setExpiries = new Map();
      this.generationStartedAt = now;
    }
    this.olderExpiries.delete(sid);
    if (expiresAt === undefined) this.setExpiries.delete(sid);
    else this.setExpiries.set(sid, expiresAt);
  }

  private lastExpiry(sid: string): number | undefined {
    return this.setExpiries.get(sid) ?? this.olderExpiries.get(sid);
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
        callback(null, raw === null ? null : parseStored(raw));
      },
      (error: unknown) => callback(sessionStoreFailure(error)),
    );
  }

  /**
   * The session as `get` reads it, for a reader that never changes it (the embed renewal's lean read,
   * src/auth/lean-session.ts): the same stored bytes give back the same objects, parsed and deep-frozen
   * once, so that the checks kept per object (the user's and the profile's schemas) run once per stored
   * version of a session instead of at every request. Redis is still read every time, and only a value
   * identical to the one kept is answered from it: a session deleted (logout, grant change) or rewritten
   * is seen at once. Callers copy what they must change (the cookie).
   */
  getShared(
    sid: string,
    callback: (err: unknown, data?: Readonly<session.SessionData> | null) => void,
  ): void {
    this.redis.get(this.key(sid)).then(
      (raw) => {
        if (raw === null) {
          this.shared.delete(sid);
          return callback(null, null);
        }
        const known = this.shared.get(sid);
        if (known?.raw === raw) {
          // Last used, last out: the sessions in use stay, those no longer asked for age out.
          this.shared.delete(sid);
          this.shared.set(sid, known);
          return callback(null, known.data);
        }
        const data = parseStored(raw);
        if (data === null) return callback(null, null);
        deepFreeze(data);
        this.shared.delete(sid);
        this.shared.set(sid, { raw, data });
        if (this.shared.size > SHARED_SESSIONS) this.shared.delete(this.shared.keys().next().value!);
        callback(null, data);
      },
      (error: unknown) => callback(sessionStoreFailure(error)),
    );
  }

  override set(sid: string, data: session.SessionData, callback?: Callback): void {
    const ttl = this.ttlMs(data);
    const expiresAt = Date.now() + ttl;
    this.redis.set(this.key(sid), JSON.stringify(data), "PX", ttl).then(
      () => {
        this.rememberExpiry(sid, expiresAt);
        callback?.();
      },
      (error: unknown) => callback?.(sessionStoreFailure(error)),
    );
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    // express-session's typings give touch's callback no error argument, yet it forwards one.
    const done = callback as Callback | undefined;
    const ttl = this.ttlMs(data);
    const expiresAt = Date.now() + ttl;
    const last = this.lastExpiry(sid);
    // Within touchAfterMs of the expiry already set, either way: a longer one is not worth a round trip
    // yet, and a slightly shorter one (the absolute lifetime closing in) is enforced by the session check.
    if (last !== undefined && Math.abs(expiresAt - last) < this.touchAfterMs) {
      done?.();
      return;
    }
    this.redis.pexpire(this.key(sid), ttl).then(
      () => {
        this.rememberExpiry(sid, expiresAt);
        done?.();
      },
      (error: unknown) => done?.(sessionStoreFailure(error)),
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    this.rememberExpiry(sid, undefined);
    this.shared.delete(sid);
    this.redis.del(this.key(sid)).then(
      () => callback?.(),
      (error: unknown) => callback?.(sessionStoreFailure(error)),
    );
  }
}
