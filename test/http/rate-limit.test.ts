import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import express from "express";
import type { Redis } from "ioredis";
import request from "supertest";
import { errorHandler } from "../../src/http/error-handler.js";
import { rateLimit } from "../../src/http/rate-limit.js";
import { openRedis, REDIS_COMMAND_TIMEOUT_MS, waitForRedis } from "../../src/storage/redis.js";
import { freePort } from "../support/free-port.js";
import { startRedis } from "../support/redis-server.js";
import { testServices } from "../support/services.js";

function limitedApp(options: Parameters<typeof rateLimit>[0]) {
  const app = express();
  app.get(["/page", "/api/thing"], rateLimit(options), (_req, res) => {
    res.send("ok");
  });
  app.use(errorHandler);
  return app;
}

describe("rate limits", () => {
  let redis: Redis;
  before(async () => {
    redis = openRedis(testServices.redisUrl);
    await waitForRedis(redis);
  });
  after(() => redis.disconnect());

  it("answers 429 with a French page and Retry-After once the window is used up", async () => {
    const app = limitedApp({
      name: `t-${randomBytes(4).toString("hex")}`,
      points: 2,
      windowSeconds: 60,
      redis,
    });
    await request(app).get("/page").expect(200).expect("RateLimit-Remaining", "1");
    await request(app).get("/page").expect(200).expect("RateLimit-Remaining", "0");
    const refused = await request(app).get("/page").expect(429);
    assert.match(refused.text, /<h1>Trop de requêtes<\/h1>/);
    assert.match(
      refused.text,
      /Trop de requêtes : merci de patienter quelques instants avant de réessayer\./,
    );
    const retryAfter = Number(refused.headers["retry-after"]);
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const api = await request(app).get("/api/thing").expect(429);
    assert.equal(api.body.error, "rate_limited");
  });

  it("shares its counters between gateway processes through Redis", async () => {
    const name = `t-${randomBytes(4).toString("hex")}`;
    const first = limitedApp({ name, points: 3, windowSeconds: 60, redis });
    const otherRedis = openRedis(testServices.redisUrl);
    await waitForRedis(otherRedis);
    try {
      const second = limitedApp({ name, points: 3, windowSeconds: 60, redis: otherRedis });
      await request(first).get("/page").expect(200);
      await request(second).get("/page").expect(200);
      await request(first).get("/page").expect(200);
      await request(second).get("/page").expect(429);
      assert.equal((await redis.keys(`pilotage:rl:${name}:*`)).length, 1, "one counter, in Redis");
    } finally {
      otherRedis.disconnect();
    }
  });

  it("counts each client apart, and keeps limiters of different names apart", async () => {
    const name = `t-${randomBytes(4).toString("hex")}`;
    const byHeader = (req: express.Request) => String(req.headers["x-client"]);
    const app = limitedApp({ name, points: 1, windowSeconds: 60, redis, keyOf: byHeader });
    const other = limitedApp({ name: `${name}-other`, points: 1, windowSeconds: 60, redis, keyOf: byHeader });
    await request(app).get("/page").set("x-client", "a").expect(200);
    await request(app).get("/page").set("x-client", "b").expect(200);
    await request(app).get("/page").set("x-client", "a").expect(429);
    await request(other).get("/page").set("x-client", "a").expect(200);
  });

  it("keeps limiting, per process, when Redis stops answering", async () => {
    const dead = openRedis("redis://127.0.0.1:9");
    try {
      const app = limitedApp({ name: "t-dead", points: 1, windowSeconds: 60, redis: dead });
      await request(app).get("/page").expect(200);
      await request(app).get("/page").expect(429);
    } finally {
      dead.disconnect();
    }
  });

  it("counts a request once when a frozen Redis fails after the wait (the fallback decides alone)", async function () {
    this.timeout(REDIS_COMMAND_TIMEOUT_MS + 10_000);
    // A Redis stopped with SIGSTOP once connected, as the fault suite freezes it: commands time out late.
    const port = await freePort();
    const server = await startRedis(port);
    const stalled = openRedis(`redis://127.0.0.1:${port}`);
    await waitForRedis(stalled);
    server.kill("SIGSTOP");
    try {
      const app = limitedApp({ name: "t-frozen", points: 2, windowSeconds: 60, redis: stalled });
      await request(app).get("/page").expect(200);
      // The shared counter's command fails only now; it must not be counted a second time locally.
      await new Promise((resolve) => setTimeout(resolve, REDIS_COMMAND_TIMEOUT_MS + 500));
      await request(app).get("/page").expect(200);
      await request(app).get("/page").expect(429);
    } finally {
      stalled.disconnect();
      server.kill("SIGKILL");
    }
  });

  it("works in memory without Redis (the demo)", async () => {
    const app = limitedApp({ name: "t-memory", points: 1, windowSeconds: 60, redis: undefined });
    await request(app).get("/page").expect(200);
    await request(app).get("/page").expect(429);
  });
});
