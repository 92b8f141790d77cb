import type { Config } from "../config.js";
import {
  memoryCacheStore,
  redisCacheStore,
  tieredCacheStore,
  type CacheStore,
} from "../storage/cache-store.js";
import { CACHE_REDIS_COMMAND_TIMEOUT_MS, openRedis, waitForRedis } from "../storage/redis.js";

/** How long a process keeps its own copy of an entry it read from Redis. */
const NEAR_TTL_SECONDS = 5;

export interface OpenedCacheStore {
  store: CacheStore;
  /** Resolves once the store answers (at once in memory); rejects after a few seconds without Redis. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The result cache's store as the configuration says: Redis on its own connection (CACHE_REDIS_URL, or
 * REDIS_URL's next logical database) wherever sessions are in Redis, behind a few seconds of LRU in the
 * process (CACHE_MEMORY_MAX_MEGABYTES); only that LRU without Redis (the demo).
 * Used by the server (src/main.ts) and by `pilotage cache purge`.
 */
export function openCacheStore(config: Pick<Config, "cache">): OpenedCacheStore {
  const { maxEntryBytes, memoryMaxBytes } = config.cache;
  const redisUrl = config.cache.url;
  if (!redisUrl) {
    return {
      store: memoryCacheStore({ maxBytes: memoryMaxBytes, maxEntryBytes }),
      ready: async () => {},
      close: async () => {},
    };
  }
  const redis = openRedis(redisUrl, { commandTimeoutMs: CACHE_REDIS_COMMAND_TIMEOUT_MS });
  const near = memoryCacheStore({ maxBytes: memoryMaxBytes, maxEntryBytes });
  return {
    store: tieredCacheStore(near, redisCacheStore(redis, { maxEntryBytes }), NEAR_TTL_SECONDS),
    ready: () => waitForRedis(redis),
    close: async () => void (await redis.quit().catch(() => redis.disconnect())),
  };
}
