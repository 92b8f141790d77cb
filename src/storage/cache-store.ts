import type { Redis } from "ioredis";

/**
 * Where cached results live: opaque bytes under a key, each entry bounded in size and in time, never
 * anything that must survive (sessions and rate limits live elsewhere, and eviction must never reach
 * them: docs/performance.md says how to run the cache's Redis). Losing an entry only costs a recomputation.
 */
export interface CacheStore {
  readonly kind: "redis" | "memory" | "memory+redis";
  /** Entries larger than this are not stored (the caller computes them each time). */
  readonly maxEntryBytes: number;
  get(key: string): Promise<Buffer | undefined>;
  /** Stores `value` for `ttlSeconds`; false when it is larger than `maxEntryBytes` (nothing stored). */
  set(key: string, value: Buffer, ttlSeconds: number): Promise<boolean>;
  /** Deletes every entry of the gateway's caches; returns how many there were. */
  purge(): Promise<number>;
}

/** Every key of every cache starts with this: a purge deletes exactly these, nothing else. */
export const CACHE_KEY_PREFIX = "pilotage:cache:";

/**
 * The demo's cache, in the process: an LRU bounded by the bytes it holds (`maxBytes`) and per entry.
 * Map keeps insertion order, so the first key is the least recently used one.
 */
export function memoryCacheStore(options: {
  maxBytes: number;
  maxEntryBytes: number;
  now?: () => number;
}): CacheStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Buffer; expiresAt: number }>();
  let bytes = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    bytes -= entry.value.length;
    entries.delete(key);
  };
  return {
    kind: "memory",
    maxEntryBytes: options.maxEntryBytes,
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      if (value.length > options.maxEntryBytes || value.length > options.maxBytes) return false;
      remove(key);
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      bytes += value.length;
      for (const oldest of entries.keys()) {
        if (bytes <= options.maxBytes) break;
        remove(oldest);
      }
      return true;
    },
    async purge() {
      const count = entries.size;
      entries.clear();
      bytes = 0;
      return count;
    },
  };
}

/**
 * The production cache: one Redis string per entry, with its TTL, on a connection of its own (its own
 * logical database or instance: CACHE_REDIS_URL). A purge scans for the cache's prefix and unlinks what
 * it finds, a batch at a time, so it never blocks Redis and never touches another key.
 */
export function redisCacheStore(redis: Redis, options: { maxEntryBytes: number }): CacheStore {
  return {
    kind: "redis",
    maxEntryBytes: options.maxEntryBytes,
    async get(key) {
      return (await redis.getBuffer(key)) ?? undefined;
    },
    async set(key, value, ttlSeconds) {
      if (value.length > options.maxEntryBytes) return false;
      await redis.set(key, value, "EX", ttlSeconds);
      return true;
    },
    async purge() {
      let count = 0;
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${CACHE_KEY_PREFIX}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) count += await redis.unlink(...keys);
      } while (cursor !== "0");
      return count;
    },
  };
}

/**
 * Redis behind a small LRU of the process: an entry read or written through it stays near for at most
 * `nearTtlSeconds`, sparing the round trip and the transfer on the busiest entries (a public page under
 * a crawler). Keys carry the data version, so a near copy is never stale data; a purge reaches the other
 * processes' near copies only as they expire.
 */
export function tieredCacheStore(near: CacheStore, far: CacheStore, nearTtlSeconds: number): CacheStore {
  return {
    kind: "memory+redis",
    maxEntryBytes: far.maxEntryBytes,
    async get(key) {
      const close = await near.get(key);
      if (close !== undefined) return close;
      const value = await far.get(key);
      if (value !== undefined) await near.set(key, value, nearTtlSeconds);
      return value;
    },
    async set(key, value, ttlSeconds) {
      if (!(await far.set(key, value, ttlSeconds))) return false;
      await near.set(key, value, Math.min(ttlSeconds, nearTtlSeconds));
      return true;
    },
    async purge() {
      await near.purge();
      return far.purge();
    },
  };
}
