import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { cardCacheKey, createResultCache, type ResultCache } from "../../src/cache/result-cache.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import {
  CACHE_KEY_PREFIX,
  memoryCacheStore,
  redisCacheStore,
  type CacheStore,
} from "../../src/storage/cache-store.js";
import type { Database, Queryable } from "../../src/storage/database.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { SESSION_KEY_PREFIX } from "../../src/storage/session-store.js";
import {
  createLoadMarkerReader,
  writeLoadMarker,
  type LoadMarkerReader,
} from "../../src/warehouse/load-marker.js";
import { testServices } from "../support/services.js";
import { openFreshWarehouse } from "../support/warehouse-database.js";

/**
 * The result cache (src/cache/result-cache.ts) on a small warehouse of its own (a table of figures per
 * département and the load marker), with each store: Redis (a logical database of its own) and the
 * in-process LRU. What matters most: an entry answers only the statement, values and data version it was
 * computed for — the tests below fail when the key leaves out the bound values or the data version.
 */

const BY_DEPARTEMENT =
  "SELECT departement, sum(candidatures)::int AS candidatures FROM entrepot.chiffres WHERE departement = ANY ($1::text[]) GROUP BY 1 ORDER BY 1";

/** Counts the statements that reach the warehouse. */
function counting(db: Queryable): Queryable & { calls: number } {
  const counted = {
    calls: 0,
    query: ((sql, params, options) => {
      counted.calls++;
      return db.query(sql, params, options);
    }) as Queryable["query"],
  };
  return counted;
}

async function lookups(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.cacheLookups.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.cache} ${v.labels.outcome}`, v.value]));
}

const STORES: Array<[string, (redis: Redis) => CacheStore]> = [
  ["Redis", (redis) => redisCacheStore(redis, { maxEntryBytes: 64 * 1024 })],
  ["memory", () => memoryCacheStore({ maxBytes: 1024 * 1024, maxEntryBytes: 64 * 1024 })],
];

describe("result cache", function () {
  this.timeout(30_000);
  let warehouse: Database;
  let dropWarehouse: () => Promise<void>;
  let redis: Redis;

  before(async () => {
    ({ db: warehouse, drop: dropWarehouse } = await openFreshWarehouse("cache"));
    await warehouse.exec(`
      CREATE SCHEMA entrepot;
      CREATE TABLE entrepot.chargements (
        version_donnees text PRIMARY KEY, date_arret date NOT NULL, source text NOT NULL,
        charge_le timestamptz NOT NULL DEFAULT now());
      CREATE TABLE entrepot.chiffres (departement text NOT NULL, candidatures integer NOT NULL);
      INSERT INTO entrepot.chiffres VALUES ('93', 10), ('93', 5), ('75', 7), ('13', 1);`);
    await writeLoadMarker(warehouse, { dataVersion: "v1", cutoffDate: "2026-10-31", source: "tests" });
    // A logical database of its own: what CACHE_REDIS_URL gives production.
    const url = new URL(testServices.redisUrl);
    url.pathname = "/3";
    redis = openRedis(url.toString());
    await waitForRedis(redis);
  });

  after(async () => {
    redis.disconnect();
    await warehouse.close();
    await dropWarehouse();
  });

  for (const [storeName, makeStore] of STORES) {
    describe(`in ${storeName}`, () => {
      let store: CacheStore;
      let marker: LoadMarkerReader;
      let metrics: Metrics;
      let cache: ResultCache;
      let db: ReturnType<typeof counting>;

      beforeEach(async () => {
        await warehouse.exec(
          "DELETE FROM entrepot.chargements WHERE version_donnees <> 'v1'; UPDATE entrepot.chiffres SET candidatures = 1 WHERE departement = '13'",
        );
        store = makeStore(redis);
        await store.purge();
        marker = createLoadMarkerReader({ warehouse, refreshMs: 60_000 });
        metrics = createMetrics({ defaultMetrics: false });
        cache = createResultCache({ store, loadMarker: marker, ttlSeconds: 60, metrics });
        db = counting(warehouse);
      });

      it("answers each perimeter with its own rows: the bound values are part of the key", async () => {
        const reader = cache.reader(db);
        const ask = async (departements: string[]) =>
          (await reader.query(BY_DEPARTEMENT, [departements])).rows;
        // Twice each, interleaved: the second round comes from the cache.
        for (let round = 0; round < 2; round++) {
          assert.deepEqual(await ask(["93"]), [{ departement: "93", candidatures: 15 }]);
          assert.deepEqual(await ask(["75"]), [{ departement: "75", candidatures: 7 }]);
          assert.deepEqual(await ask(["75", "93"]), [
            { departement: "75", candidatures: 7 },
            { departement: "93", candidatures: 15 },
          ]);
        }
        assert.equal(db.calls, 3, "three statements reached the warehouse, once each");
        assert.deepEqual(await lookups(metrics), { "card_data miss": 3, "card_data hit": 3 });
      });

      it("serves the figures of a new load as soon as its data version is read, and not before", async () => {
        const reader = cache.reader(db);
        const ask = async () => (await reader.query(BY_DEPARTEMENT, [["13"]])).rows;
        assert.deepEqual(await ask(), [{ departement: "13", candidatures: 1 }]);
        // The data change under the cache: the same load still answers from it…
        await warehouse.exec("UPDATE entrepot.chiffres SET candidatures = 4 WHERE departement = '13'");
        assert.deepEqual(await ask(), [{ departement: "13", candidatures: 1 }]);
        // …until the load is marked and the marker read again.
        await writeLoadMarker(warehouse, { dataVersion: "v2", cutoffDate: "2026-11-30", source: "tests" });
        marker.invalidate();
        assert.deepEqual(await ask(), [{ departement: "13", candidatures: 4 }]);
        assert.equal(db.calls, 2);
      });

      it("keys on the statement as sent, its values and the data version, and nothing else", () => {
        const base = { dataVersion: "v1", sql: BY_DEPARTEMENT, values: [["93"]] };
        const key = cardCacheKey(base);
        assert.match(key, new RegExp(`^${CACHE_KEY_PREFIX}card_data:[A-Za-z0-9_-]{43}$`));
        assert.equal(cardCacheKey({ ...base }), key);
        assert.notEqual(cardCacheKey({ ...base, values: [["75"]] }), key);
        assert.notEqual(cardCacheKey({ ...base, values: [[93]] }), key, "a number is not its text");
        assert.notEqual(cardCacheKey({ ...base, dataVersion: "v2" }), key);
        assert.notEqual(cardCacheKey({ ...base, sql: `${BY_DEPARTEMENT} ` }), key);
      });

      it("computes an entry once for concurrent requests (single flight)", async () => {
        const reader = cache.reader(db);
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => reader.query(BY_DEPARTEMENT, [["93"]])),
        );
        assert.equal(db.calls, 1);
        for (const answer of answers)
          assert.deepEqual(answer.rows, [{ departement: "93", candidatures: 15 }]);
        assert.deepEqual(await lookups(metrics), { "card_data miss": 1, "card_data hit": 7 });
      });

      it("never hands one request's failure to the requests waiting on it: they compute on their own", async () => {
        let failNext = true;
        const flaky: Queryable = {
          query: async (sql, params) => {
            if (failNext) {
              failNext = false;
              await new Promise((resolve) => setTimeout(resolve, 20));
              throw new Error("the first request's client went away");
            }
            return warehouse.query(sql, params);
          },
        };
        const reader = cache.reader(flaky);
        const [first, second] = await Promise.allSettled([
          reader.query(BY_DEPARTEMENT, [["75"]]),
          reader.query(BY_DEPARTEMENT, [["75"]]),
        ]);
        assert.equal(first.status, "rejected");
        assert.deepEqual(second.status === "fulfilled" && second.value.rows, [
          { departement: "75", candidatures: 7 },
        ]);
      });

      it("keeps dates and numbers as the warehouse gave them", async () => {
        const reader = cache.reader(db);
        const sql =
          "SELECT timestamptz '2026-10-31 12:00Z' AS at, 1.5::float8 AS x, 2::bigint AS n, NULL AS nothing";
        const direct = await warehouse.query(sql);
        await reader.query(sql);
        const cached = await reader.query(sql);
        assert.equal(db.calls, 1);
        assert.deepEqual(cached.rows, direct.rows);
        assert.ok(cached.rows[0]!.at instanceof Date);
        assert.deepEqual(cached.fields, direct.fields);
      });
    });
  }

  describe("when it cannot help", () => {
    it("stands aside without a load marker: nothing says when the data change", async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const none: LoadMarkerReader = { current: async () => undefined, invalidate: () => {} };
      const store = memoryCacheStore({ maxBytes: 1 << 20, maxEntryBytes: 1 << 16 });
      const cache = createResultCache({ store, loadMarker: none, ttlSeconds: 60, metrics });
      const db = counting(warehouse);
      await cache.reader(db).query(BY_DEPARTEMENT, [["93"]]);
      await cache.reader(db).query(BY_DEPARTEMENT, [["93"]]);
      assert.equal(db.calls, 2);
      assert.deepEqual(await lookups(metrics), { "card_data bypass": 2 });
    });

    it("computes the answer when the store fails, and counts the failure", async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const broken: CacheStore = {
        kind: "redis",
        maxEntryBytes: 1 << 16,
        get: async () => {
          throw new Error("Command timed out");
        },
        set: async () => {
          throw new Error("Command timed out");
        },
        purge: async () => 0,
      };
      const failures: unknown[] = [];
      const cache = createResultCache({
        store: broken,
        loadMarker: createLoadMarkerReader({ warehouse }),
        ttlSeconds: 60,
        metrics,
        onStoreError: (error) => failures.push(error),
      });
      const { rows } = await cache.reader(warehouse).query(BY_DEPARTEMENT, [["93"]]);
      assert.deepEqual(rows, [{ departement: "93", candidatures: 15 }]);
      assert.deepEqual(await lookups(metrics), { "card_data error": 2, "card_data miss": 1 });
      assert.equal(failures.length, 2);
    });

    it("does not store an entry larger than the store's bound", async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const store = memoryCacheStore({ maxBytes: 1 << 20, maxEntryBytes: 200 });
      const cache = createResultCache({
        store,
        loadMarker: createLoadMarkerReader({ warehouse }),
        ttlSeconds: 60,
        metrics,
      });
      const db = counting(warehouse);
      const sql = "SELECT repeat('x', 1000) AS long";
      await cache.reader(db).query(sql);
      await cache.reader(db).query(sql);
      assert.equal(db.calls, 2);
      assert.deepEqual(await lookups(metrics), { "card_data miss": 2, "card_data oversize": 2 });
    });
  });

  describe("stores", () => {
    it("in memory: least recently used entries go first, within the byte bound, and entries expire", async () => {
      let now = 0;
      const store = memoryCacheStore({ maxBytes: 30, maxEntryBytes: 20, now: () => now });
      const ten = (c: string) => Buffer.alloc(10, c);
      await store.set("a", ten("a"), 60);
      await store.set("b", ten("b"), 60);
      await store.set("c", ten("c"), 60);
      assert.deepEqual(await store.get("a"), ten("a")); // a is now the most recent
      await store.set("d", ten("d"), 60); // 40 bytes: b, the least recent, goes
      assert.equal(await store.get("b"), undefined);
      assert.deepEqual(await store.get("c"), ten("c"));
      assert.equal(await store.set("e", Buffer.alloc(21), 60), false, "larger than an entry may be");
      now = 61_000;
      assert.equal(await store.get("a"), undefined, "expired");
      assert.equal(await store.purge(), 2);
    });

    it("in Redis: a purge deletes the cache's keys only, never a session or a rate limit", async () => {
      const store = redisCacheStore(redis, { maxEntryBytes: 1024 });
      await store.purge();
      await redis.set(`${SESSION_KEY_PREFIX}someone`, "{}");
      await redis.set("pilotage:rl:public-pages:127.0.0.1", "3");
      for (let i = 0; i < 2500; i++)
        await store.set(`${CACHE_KEY_PREFIX}card_data:${i}`, Buffer.from("x"), 60);
      assert.equal(await store.set(`${CACHE_KEY_PREFIX}big`, Buffer.alloc(1025), 60), false);
      assert.ok((await redis.ttl(`${CACHE_KEY_PREFIX}card_data:1`)) > 50);
      assert.equal(await store.purge(), 2500);
      assert.deepEqual((await redis.keys("*")).sort(), [
        "pilotage:rl:public-pages:127.0.0.1",
        `${SESSION_KEY_PREFIX}someone`,
      ]);
      await redis.del(`${SESSION_KEY_PREFIX}someone`, "pilotage:rl:public-pages:127.0.0.1");
    });
  });
});
