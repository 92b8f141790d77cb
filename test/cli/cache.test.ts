import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { CACHE_KEY_PREFIX } from "../../src/storage/cache-store.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { SESSION_KEY_PREFIX } from "../../src/storage/session-store.js";
import { testServices } from "../support/services.js";

function io(env: Record<string, string | undefined>): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    env: { LOG_LEVEL: "silent", ...env },
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

/** REDIS_URL on a logical database of this test's own, and the cache's default, the next one. */
function redisUrls(): { sessions: string; cache: string } {
  const url = new URL(testServices.redisUrl);
  url.pathname = "/7";
  const sessions = url.toString();
  url.pathname = "/8";
  return { sessions, cache: url.toString() };
}

describe("pilotage cache purge", function () {
  this.timeout(20_000);
  let sessions: Redis;
  let cache: Redis;

  before(async () => {
    const urls = redisUrls();
    sessions = openRedis(urls.sessions);
    cache = openRedis(urls.cache);
    await Promise.all([waitForRedis(sessions), waitForRedis(cache)]);
  });
  after(() => {
    sessions.disconnect();
    cache.disconnect();
  });

  it("deletes the cache's entries in REDIS_URL's next database, and nothing else", async () => {
    await Promise.all([sessions.flushdb(), cache.flushdb()]);
    await cache.set(`${CACHE_KEY_PREFIX}card_data:a`, "1");
    await cache.set(`${CACHE_KEY_PREFIX}public_page:b`, "2");
    await cache.set("pilotage:ratelimit:public-pages:127.0.0.1", "3");
    await sessions.set(`${SESSION_KEY_PREFIX}abc`, "{}");
    await sessions.set(`${CACHE_KEY_PREFIX}card_data:not-the-cache-database`, "4");

    const out = io({ REDIS_URL: redisUrls().sessions });
    assert.equal(await runCli(["cache", "purge", "--json"], out), 0);
    assert.deepEqual({ out: out.out, err: out.err }, { out: '{"deleted":2}\n', err: "" });
    assert.deepEqual((await cache.keys("*")).sort(), ["pilotage:ratelimit:public-pages:127.0.0.1"]);
    assert.deepEqual((await sessions.keys("*")).sort(), [
      `${CACHE_KEY_PREFIX}card_data:not-the-cache-database`,
      `${SESSION_KEY_PREFIX}abc`,
    ]);

    const again = io({ REDIS_URL: redisUrls().sessions });
    assert.equal(await runCli(["cache", "purge"], again), 0);
    assert.equal(again.out, "Cache vidé : 0 entrée effacée.\n");
  });

  it("says that the demo's cache lives in the gateway's process, without REDIS_URL", async () => {
    const out = io({ REDIS_URL: undefined, CACHE_REDIS_URL: undefined });
    assert.equal(await runCli(["cache", "purge"], out), 1);
    assert.deepEqual(
      { out: out.out, err: out.err },
      {
        out: "",
        err: "Sans REDIS_URL, le cache vit dans le processus de la passerelle (démonstration) : redémarrez-la pour le vider.\n",
      },
    );
  });

  it("exits 4 and says what to check when the cache's Redis does not answer", async () => {
    const out = io({ CACHE_REDIS_URL: "redis://127.0.0.1:1/0" });
    assert.equal(await runCli(["cache", "purge"], out), 4);
    assert.equal(out.out, "");
    assert.match(
      out.err,
      /^Le Redis du cache ne répond pas \(.+\)\. Vérifiez CACHE_REDIS_URL \(ou REDIS_URL\) et que Redis tourne, puis relancez\.\n$/,
    );
  });
});
