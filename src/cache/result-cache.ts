import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import type { Metrics } from "../metrics/metrics.js";
import { CACHE_KEY_PREFIX, type CacheStore } from "../storage/cache-store.js";
import type { Queryable, QueryResult } from "../storage/database.js";
import type { LoadMarkerReader } from "../warehouse/load-marker.js";

/**
 * The result cache of what pages show (cards, tiles, maps, notes, public pages; never a streamed export).
 *
 * An entry's key is a hash of everything that decides the answer: the statement exactly as sent to the
 * warehouse, its bound values (the locks of the perimeter among them), and the warehouse's data version
 * (the load marker, read once per short interval). Two perimeters therefore never share an entry, by
 * construction rather than by care: their locked values differ, so their keys do. A new load changes the
 * data version, hence every key: no purge is needed for figures to follow the data.
 *
 * Without a load marker the cache stands aside (nothing says when the data changes). A store that fails
 * or answers slowly never fails a page: the result is computed as if there were no cache. Within one
 * process, a request that finds its entry being computed waits for that computation instead of starting
 * another (single flight); if the computation fails, each waiter computes on its own, so one request's
 * failure (its client gone, its deadline) never becomes another's.
 */

export type CacheName = "card_data" | "public_page";

export interface ResultCacheOptions {
  store: CacheStore;
  loadMarker: LoadMarkerReader;
  /** How long an entry lives (entries of an old data version are never read again: this frees them). */
  ttlSeconds: number;
  metrics?: Pick<Metrics, "cacheLookups"> | undefined;
  /** Told when the store fails (the page goes on without the cache). */
  onStoreError?: (error: unknown) => void;
}

export interface ResultCache {
  /**
   * The warehouse as cards read it: `query` answers from the cache when this exact statement, with these
   * exact values, ran on this load of the data. Options such as `prepare` do not change the answer and
   * are not part of the key.
   */
  reader(warehouse: Queryable): Queryable;
  /**
   * Any value the structured clone can carry (strings, numbers, dates, arrays, plain objects), cached
   * under `parts` and the data version; `ttlSeconds` may shorten the cache's own lifetime for it.
   */
  remember<T>(
    cache: CacheName,
    parts: unknown,
    compute: () => Promise<T>,
    options?: { ttlSeconds?: number },
  ): Promise<T>;
}

/**
 * The key of an entry. Every input that decides the answer is in it, the data version and the bound
 * values above all: test/cache/result-cache.test.ts fails when either is left out.
 */
export function cacheKey(cache: CacheName, dataVersion: string, parts: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([dataVersion, parts]))
    .digest("base64url");
  return `${CACHE_KEY_PREFIX}${cache}:${digest}`;
}

/** The parts that key a card's statement, shared by the reader and cardCacheKey. */
const cardParts = (sql: string, values: readonly unknown[]) => ({ sql, values });

/** The key of a card's statement: its SQL as sent and its bound values, on one load of the data (for tests). */
export function cardCacheKey(query: {
  dataVersion: string;
  sql: string;
  values: readonly unknown[];
}): string {
  return cacheKey("card_data", query.dataVersion, cardParts(query.sql, query.values));
}

export function createResultCache(options: ResultCacheOptions): ResultCache {
  const { store, loadMarker, ttlSeconds } = options;
  const inFlight = new Map<string, Promise<Buffer>>();
  const count = (cache: CacheName, outcome: "hit" | "miss" | "error" | "bypass" | "oversize") =>
    options.metrics?.cacheLookups.inc({ cache, outcome });
  const storeFailed = (cache: CacheName, error: unknown) => {
    count(cache, "error");
    options.onStoreError?.(error);
  };

  /** The computation of `key` running in this process, joined (its failure is not ours: we compute then). */
  function joinInFlight(cache: CacheName, key: string, compute: () => Promise<Buffer>) {
    const running = inFlight.get(key);
    if (!running) return undefined;
    count(cache, "hit");
    return running.catch(() => compute());
  }

  /** The entry's bytes: from the store, from a computation in flight, or computed (then stored). */
  async function lookup(
    cache: CacheName,
    key: string,
    compute: () => Promise<Buffer>,
    ttl: number,
  ): Promise<Buffer> {
    const running = joinInFlight(cache, key, compute);
    if (running) return running;
    let stored: Buffer | undefined;
    try {
      stored = await store.get(key);
    } catch (error) {
      storeFailed(cache, error);
    }
    if (stored !== undefined) {
      count(cache, "hit");
      return stored;
    }
    // Someone may have started it while the store answered.
    const started = joinInFlight(cache, key, compute);
    if (started) return started;
    count(cache, "miss");
    const computing = (async () => {
      const bytes = await compute();
      try {
        if (!(await store.set(key, bytes, ttl))) count(cache, "oversize");
      } catch (error) {
        storeFailed(cache, error);
      }
      return bytes;
    })();
    inFlight.set(key, computing);
    try {
      return await computing;
    } finally {
      inFlight.delete(key);
    }
  }

  async function remember<T>(
    cache: CacheName,
    parts: unknown,
    compute: () => Promise<T>,
    rememberOptions: { ttlSeconds?: number } = {},
  ): Promise<T> {
    const version = (await loadMarker.current())?.dataVersion;
    if (version === undefined) {
      count(cache, "bypass");
      return compute();
    }
    const ttl = Math.min(ttlSeconds, rememberOptions.ttlSeconds ?? ttlSeconds);
    const bytes = await lookup(
      cache,
      cacheKey(cache, version, parts),
      async () => serialize(await compute()),
      ttl,
    );
    return deserialize(bytes) as T;
  }

  return {
    remember,
    reader(warehouse) {
      return {
        query<Row extends Record<string, unknown>>(
          sql: string,
          params?: readonly unknown[],
          queryOptions?: Parameters<Queryable["query"]>[2],
        ): Promise<QueryResult<Row>> {
          return remember("card_data", cardParts(sql, params ?? []), () =>
            warehouse.query<Row>(sql, params, queryOptions),
          );
        },
      };
    },
  };
}
