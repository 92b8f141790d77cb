import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { createApp } from "../../src/app.js";
import { createResultCache, type ResultCache } from "../../src/cache/result-cache.js";
import {
  anchorDashboard,
  cutoffDay,
  dashboardCardParameters,
  type Catalog,
} from "../../src/catalog/index.js";
import { runCard, type CardTable } from "../../src/dashboards/card-data.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { redisCacheStore, type CacheStore } from "../../src/storage/cache-store.js";
import type { Database } from "../../src/storage/database.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { inFilteredWarehouse, type PerimeterFilter } from "../../src/warehouse/filtered-copy.js";
import { createLoadMarkerReader, readLoadMarker } from "../../src/warehouse/load-marker.js";
import { sampleProfiles, type SampleProfile } from "../../src/warehouse/sample-profiles.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { browserPerAccount } from "../support/login.js";
import { testServices } from "../support/services.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * Issue 20: with the result cache warm — every perimeter's entries computed first, then read back — the
 * pages and the cards answer exactly what they answer without a cache. Two checks, both after warming
 * the cache with every profile:
 *   - the leak check of `pilotage test`, on the cards as the pages run them (runCard, through the cache):
 *     each profile's answer equals the answer on a copy of the warehouse holding only its perimeter;
 *   - the perimeter journeys of the demo accounts through HTTP: every dashboard each account may open,
 *     its tables identical to those of a gateway without cache.
 * A key that mixed perimeters would hand one profile another's rows: both checks would fail.
 */

/** The tables of a page (captions, headings, cells), to compare two renderings. */
function tablesOf(html: string): string[] {
  return [...html.matchAll(/<table>[\s\S]*?<\/table>/g)].map((m) => m[0]);
}

const multiset = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();

async function lookups(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.cacheLookups.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.cache} ${v.labels.outcome}`, v.value]));
}

describe("the result cache, warm, never mixes perimeters", function () {
  this.timeout(180_000);
  let cacheRedis: Redis;
  let store: CacheStore;
  let warehouse: Database;
  let catalog: Catalog;

  before(async () => {
    const url = new URL(testServices.redisUrl);
    url.pathname = "/5";
    cacheRedis = openRedis(url.toString());
    await waitForRedis(cacheRedis);
    store = redisCacheStore(cacheRedis, { maxEntryBytes: 1 << 20 });
    warehouse = await openTestWarehouse();
    ({ catalog } = await testContent());
  });
  after(async () => {
    cacheRedis.disconnect();
    await warehouse.close();
  });

  it("passes the leak check of every sample profile's cards read from the warm cache", async () => {
    await store.purge();
    const metrics = createMetrics({ defaultMetrics: false });
    const cache: ResultCache = createResultCache({
      store,
      loadMarker: createLoadMarkerReader({ warehouse }),
      ttlSeconds: 3600,
      metrics,
    });
    const reader = cache.reader(warehouse);
    const profiles = await sampleProfiles(warehouse);
    const day = cutoffDay((await readLoadMarker(warehouse))?.cutoffDate)!;
    const now = new Date();
    const questions = new Map(catalog.questions.map((q) => [q.key, q]));

    const contexts = catalog.dashboards.flatMap((written) =>
      profiles.flatMap((profile: SampleProfile) => {
        const access = dashboardAccess(profile, written);
        if (!access.allowed) return [];
        const dashboard = anchorDashboard(written, day);
        const filters: PerimeterFilter[] = dashboard.parameters
          .filter((p) => p.locked)
          .map((p) => {
            const value = access.locks[p.slug]!;
            return { attribute: p.locked!, values: (Array.isArray(value) ? value : [value]).map(String) };
          });
        const cards = dashboard.cards.map((card) => {
          const question = questions.get(card.question)!;
          return { question, parameters: dashboardCardParameters(dashboard, card, question, access.locks) };
        });
        return [{ label: `${profile.label} × ${dashboard.key}`, filters, cards }];
      }),
    );
    const read = (db: Parameters<typeof runCard>[0], card: (typeof contexts)[0]["cards"][0]) =>
      runCard(db, card.question, card.parameters, { now, rowLimit: 500 });

    // Warm: every profile's cards once, so that a key shared across perimeters would already hold the
    // first one's rows when the next asks.
    for (const context of contexts) for (const card of context.cards) await read(reader, card);
    const warmed = await lookups(metrics);
    const cardCount = contexts.reduce((n, c) => n + c.cards.length, 0);
    assert.ok(contexts.length >= 30, `${contexts.length} profile × dashboard pairs`);

    let compared = 0;
    for (const context of contexts) {
      const cached: CardTable[] = [];
      for (const card of context.cards) cached.push(await read(reader, card));
      if (context.filters.length === 0) continue; // public dashboards and staff: nothing to filter
      const copy = await inFilteredWarehouse(warehouse, context.filters, 20_000, async (tx) => {
        const tables: CardTable[] = [];
        for (const card of context.cards) tables.push(await read(tx, card));
        return tables;
      });
      context.cards.forEach((card, i) => {
        assert.deepEqual(
          multiset(cached[i]!.rows),
          multiset(copy[i]!.rows),
          `${context.label}, ${card.question.key}: the cached rows differ from the perimeter's copy`,
        );
        compared++;
      });
    }
    assert.ok(compared >= 100, `${compared} cards compared`);
    const read2 = await lookups(metrics);
    assert.equal(
      read2["card_data hit"]! - (warmed["card_data hit"] ?? 0),
      cardCount,
      "the second round came entirely from the cache",
    );
  });

  describe("through the pages, for every demo account", () => {
    let stack: LoginStack;
    let uncached: RunningServer;
    const as = browserPerAccount(() => stack.baseUrl);
    const accounts = DEMO_ACCOUNTS.map((a) => a.email).filter((email) => !email.startsWith("inconnu"));

    before(async () => {
      await store.purge();
      const metrics = createMetrics({ defaultMetrics: false });
      stack = await startLoginStack({
        metrics,
        deps: {
          resultCache: createResultCache({
            store,
            loadMarker: createLoadMarkerReader({ warehouse }),
            ttlSeconds: 3600,
            metrics,
          }),
        },
      });
      // The same gateway without a cache, sharing the sessions (same Redis, same secret).
      uncached = await startServer(createApp(stack.testStack.deps), 0, "127.0.0.1");
      for (const email of accounts) await as(email);
    });
    after(async () => {
      await uncached.stop(1000);
      await stack.close();
    });

    it("shows each account the same tables as a gateway without cache, on every page it may open", async () => {
      const pagesOf = async (email: string) => {
        const listed = await (await as(email)).get(`${stack.baseUrl}/api/dashboards`);
        const body = (await listed.json()) as { dashboards: Array<{ page: string }> };
        return body.dashboards.map((d) => d.page);
      };
      const pages = new Map<string, string[]>();
      for (const email of accounts) pages.set(email, await pagesOf(email));
      // Warm every account's pages first.
      for (const email of accounts)
        for (const page of pages.get(email)!) {
          const res = await (await as(email)).get(`${stack.baseUrl}${page}`);
          assert.equal(res.status, 200, `${email} ${page}`);
        }
      let compared = 0;
      const seen = new Set<string>();
      for (const email of accounts) {
        for (const page of pages.get(email)!) {
          const browser = await as(email);
          const warm = tablesOf(await (await browser.get(`${stack.baseUrl}${page}`)).text());
          const plain = tablesOf(await (await browser.get(`${uncached.url}${page}`)).text());
          assert.ok(plain.length > 0, `${email} ${page} shows tables`);
          assert.deepEqual(warm, plain, `${email} ${page}: the cached page differs`);
          seen.add(JSON.stringify(plain));
          compared++;
        }
      }
      assert.ok(compared >= 40, `${compared} pages compared`);
      // The perimeters do show different figures: a cache answering all of them alike would be caught.
      assert.ok(seen.size >= compared / 2, `${seen.size} distinct renderings of ${compared} pages`);
    });
  });
});
