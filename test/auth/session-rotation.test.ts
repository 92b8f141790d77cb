import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import express from "express";
import type { Redis } from "ioredis";
import request from "supertest";
import { sessionMiddleware } from "../../src/auth/session.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { signedSessionCookie } from "../support/auth-stack.js";
import { testConfig, testServices } from "../support/services.js";

/**
 * Rotating SESSION_SECRET (docs/operations/secrets.md): the new key goes first, the old one stays in the
 * list until the sessions it signed have expired, so that nobody is logged out by the rotation; removing
 * it then ends them.
 */
describe("session key rotation", () => {
  let redis: Redis;
  const OLD = `old-${randomBytes(24).toString("hex")}`;
  const NEW = `new-${randomBytes(24).toString("hex")}`;

  before(async () => {
    redis = openRedis(testServices.redisUrl);
    await waitForRedis(redis);
  });
  after(() => redis.quit());

  /** A gateway's session layer with SESSION_SECRET as given; `/` reads or starts a session. */
  function gateway(sessionSecret: string) {
    const app = express();
    app.use(sessionMiddleware({ config: testConfig({ SESSION_SECRET: sessionSecret }), redis }));
    app.get("/start", (req, res) => {
      req.session.logout = { state: "from-before-the-rotation" };
      res.end();
    });
    app.get("/", (req, res) => {
      res.json({ state: req.session.logout?.state ?? null });
    });
    return app;
  }
  const cookieOf = (response: request.Response): string => {
    const [cookie = ""] = (response.headers["set-cookie"] as unknown as string[] | undefined) ?? [];
    return cookie.split(";")[0]!;
  };
  const sidOf = (cookie: string) => decodeURIComponent(cookie.split("=")[1]!).slice(2).split(".")[0]!;

  it("keeps the sessions signed with the old key, and signs with the new one from then on", async () => {
    const before = cookieOf(await request(gateway(OLD)).get("/start").expect(200));
    const sid = sidOf(before);
    assert.equal(before, `pilotage.sid=${signedSessionCookie(sid, OLD)}`);

    const rotated = gateway(`${NEW},${OLD}`);
    const answer = await request(rotated).get("/").set("Cookie", before).expect(200);
    assert.deepEqual(answer.body, { state: "from-before-the-rotation" });
    // The rolling cookie is sent again, for the same session, signed with the new key.
    assert.equal(cookieOf(answer), `pilotage.sid=${signedSessionCookie(sid, NEW)}`);

    // Once the old key is removed, only what the new key signed is accepted.
    const newOnly = gateway(NEW);
    assert.deepEqual((await request(newOnly).get("/").set("Cookie", before).expect(200)).body, {
      state: null,
    });
    assert.deepEqual((await request(newOnly).get("/").set("Cookie", cookieOf(answer)).expect(200)).body, {
      state: "from-before-the-rotation",
    });
  });
});
