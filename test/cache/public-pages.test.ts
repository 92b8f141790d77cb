import assert from "node:assert/strict";
import http from "node:http";
import type { Redis } from "ioredis";
import { createResultCache } from "../../src/cache/result-cache.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { redisCacheStore, type CacheStore } from "../../src/storage/cache-store.js";
import type { Database } from "../../src/storage/database.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { createLoadMarkerReader } from "../../src/warehouse/load-marker.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, loginAs } from "../support/login.js";
import { testServices } from "../support/services.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * Public pages (issue 20): anonymous visitors get the whole page from the result cache after its first
 * rendering, marked `public` for shared caches; anyone with a session gets a private page, never cached;
 * errors are never cached; anonymous visits are limited per address.
 */
const PUBLIC_PAGE = "/public/etp-conventionnes-par-departement";
const DDETS = "agent.ddets93@demo.pilotage.test";
const LIMIT_KEY = "pilotage:rl:public-pages:127.0.0.1";

async function lookups(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.cacheLookups.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.cache} ${v.labels.outcome}`, v.value]));
}

function cacheHeaders(response: Response) {
  return {
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    vary: response.headers.get("vary"),
    setCookie: response.headers.getSetCookie(),
  };
}

/** The card_data lookups among all of them. */
function cardLookups(counted: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counted).filter(([name]) => name.startsWith("card_data ")));
}

describe("public pages: whole-page cache, headers and rate limit", function () {
  this.timeout(60_000);
  let cacheRedis: Redis;
  let store: CacheStore;

  before(async () => {
    const url = new URL(testServices.redisUrl);
    url.pathname = "/4";
    cacheRedis = openRedis(url.toString());
    await waitForRedis(cacheRedis);
    store = redisCacheStore(cacheRedis, { maxEntryBytes: 1 << 20 });
  });
  after(() => cacheRedis.disconnect());

  describe("with the cache", () => {
    let stack: LoginStack;
    let warehouse: Database;
    let metrics: Metrics;
    const url = (path: string) => `${stack.baseUrl}${path}`;

    before(async () => {
      await store.purge();
      metrics = createMetrics({ defaultMetrics: false });
      warehouse = await openTestWarehouse();
      const loadMarker = createLoadMarkerReader({ warehouse });
      stack = await startLoginStack({
        metrics,
        deps: { resultCache: createResultCache({ store, loadMarker, ttlSeconds: 3600, metrics }) },
      });
      await stack.testStack.deps.redis!.del(LIMIT_KEY);
    });
    after(async () => {
      await stack.close();
      await warehouse.close();
    });

    it("renders an anonymous page once, then serves it whole from the cache, public, without a cookie", async () => {
      const first = await fetch(url(PUBLIC_PAGE));
      const firstHtml = await first.text();
      // The first rendering runs its card and the lists of its filters (presentation), each once.
      const cardsOfFirst = cardLookups(await lookups(metrics));
      assert.ok((cardsOfFirst["card_data miss"] ?? 0) >= 1, JSON.stringify(cardsOfFirst));
      assert.equal(cardsOfFirst["card_data hit"], undefined, "nothing was read twice in one rendering");
      const second = await fetch(url(PUBLIC_PAGE));
      const secondHtml = await second.text();
      for (const response of [first, second]) {
        assert.deepEqual(cacheHeaders(response), {
          status: 200,
          cacheControl: "public, max-age=60",
          vary: "Cookie",
          setCookie: [],
        });
        assert.match(String(response.headers.get("content-type")), /^text\/html/);
      }
      assert.equal(secondHtml, firstHtml);
      const etag = second.headers.get("etag");
      assert.match(String(etag), /^"[A-Za-z0-9_-]{27}"$/);
      assert.equal(first.headers.get("etag"), etag, "the first rendering carries the same ETag");
      // Through node:http: fetch adds `Cache-Control: no-cache` to a conditional request (Fetch standard).
      const revalidated = await new Promise<number | undefined>((resolve, reject) =>
        http
          .get(url(PUBLIC_PAGE), { headers: { "if-none-match": etag! } }, (res) => {
            res.resume();
            resolve(res.statusCode);
          })
          .on("error", reject),
      );
      assert.equal(revalidated, 304);
      assert.match(firstHtml, /<h1 id="titre-tableau">ETP conventionnés par département<\/h1>/);
      const counted = await lookups(metrics);
      assert.equal(counted["public_page miss"], 1);
      assert.equal(counted["public_page hit"], 2);
      assert.deepEqual(cardLookups(counted), cardsOfFirst, "the next views never reached the cards");
    });

    it("gives a logged-in person a private page, never taken from or put in the cache", async () => {
      const before = await lookups(metrics);
      const browser = await loginAs(stack.baseUrl, DDETS);
      const page = await browser.get(url(PUBLIC_PAGE));
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cache-control"), "private, no-store");
      assert.equal(page.headers.get("vary"), "Cookie");
      assert.match(html, /<span class="fr-sr-only">Session ouverte au nom de <\/span>/);
      const after = await lookups(metrics);
      assert.equal(after["public_page miss"], before["public_page miss"]);
      assert.equal(after["public_page hit"], before["public_page hit"]);
    });

    it("treats a session cookie without a person as private too: nothing personal could be shared", async () => {
      const before = await lookups(metrics);
      const page = await fetch(url(PUBLIC_PAGE), {
        headers: { cookie: "pilotage.sid=s%3Aunknown.signature" },
      });
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cache-control"), "private, no-store");
      assert.equal((await lookups(metrics))["public_page hit"], before["public_page hit"]);
    });

    it("never caches an error: a private dashboard's key is 404 every time", async () => {
      for (let i = 0; i < 2; i++) {
        const page = await fetch(url("/public/pass-iae"));
        assert.equal(page.status, 404);
        assert.notEqual(page.headers.get("cache-control"), "public, max-age=60");
      }
      const entries = await cacheRedis.keys("pilotage:cache:public_page:*");
      assert.equal(entries.length, 1, "only the one good page is stored");
    });
  });

  describe("the rate limit", () => {
    let stack: LoginStack;

    before(async () => {
      stack = await startLoginStack({ env: { PUBLIC_RATE_LIMIT_PER_MINUTE: "2" } });
      const redis = stack.testStack.deps.redis!;
      await redis.del(LIMIT_KEY);
    });
    after(async () => {
      await stack.testStack.deps.redis!.del(LIMIT_KEY);
      await stack.close();
    });

    it("answers an address past its limit 429 with Retry-After, and leaves logged-in people alone", async () => {
      const anyone = new Browser();
      for (let i = 0; i < 2; i++)
        assert.equal((await anyone.get(`${stack.baseUrl}${PUBLIC_PAGE}`)).status, 200);
      const refused = await fetch(`${stack.baseUrl}${PUBLIC_PAGE}`, {
        headers: { accept: "application/json" },
      });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      const body = (await refused.json()) as Record<string, unknown>;
      assert.deepEqual(body, {
        error: "rate_limited",
        message: "Trop de requêtes : merci de patienter quelques instants avant de réessayer.",
        requestId: refused.headers.get("x-request-id"),
      });
      const agent = await loginAs(stack.baseUrl, DDETS);
      for (let i = 0; i < 3; i++)
        assert.equal((await agent.get(`${stack.baseUrl}${PUBLIC_PAGE}`)).status, 200);
    });
  });
});
