import type { Config } from "../config.js";
import { memoryCacheStore, redisCacheStore, type CacheStore } from "../storage/cache-store.js";
import { CACHE_REDIS_COMMAND_TIMEOUT_MS, openRedis, waitForRedis } from "../storage/redis.js";

/**
 * The result cache's store as the configuration says: Redis on its own connection (CACHE_REDIS_URL, or
 * REDIS_URL's next logical database) wherever sessions are in Redis, an LRU in the process otherwise.
 * Used by the server (src/main.ts) and by `pilotage cache purge`.
 */
export interface OpenedCacheStore {
  store: CacheStore;
  /** Resolves once the store answers (at once in memory); rejects after a few seconds without Redis. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function openCacheStore(config: Pick<Config, "cache">): OpenedCacheStore {
  const { redisUrl, maxEntryBytes, memoryMaxBytes } = config.cache;
  if (!redisUrl) {
    return {
      store: memoryCacheStore({ maxBytes: memoryMaxBytes, maxEntryBytes }),
      ready: async () => {},
      close: async () => {},
    };
  }
  const redis = openRedis(redisUrl, { commandTimeoutMs: CACHE_REDIS_COMMAND_TIMEOUT_MS });
  return {
    store: redisCacheStore(redis, { maxEntryBytes }),
    ready: () => waitForRedis(redis),
    close: async () => void (await redis.quit().catch(() => redis.disconnect())),
  };
}
