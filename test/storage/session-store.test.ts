import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type session from "express-session";
import type { Redis } from "ioredis";
import { DependencyError } from "../../src/errors.js";
import { openRedis, REDIS_COMMAND_TIMEOUT_MS, waitForRedis } from "../../src/storage/redis.js";
import { RedisSessionStore, SESSION_KEY_PREFIX } from "../../src/storage/session-store.js";
import { freePort } from "../support/free-port.js";
import { startRedis } from "../support/redis-server.js";
import { testServices } from "../support/services.js";

function call<T>(fn: (done: (err?: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

function sessionData(maxAge: number, extra: Record<string, unknown> = {}): session.SessionData {
  return {
    cookie: { originalMaxAge: maxAge, maxAge, path: "/", httpOnly: true },
    ...extra,
  } as session.SessionData;
}

describe("Redis session store", () => {
  let redis: Redis;
  let store: RedisSessionStore;
  const sid = () => randomBytes(12).toString("hex");
  before(async () => {
    redis = openRedis(testServices.redisUrl);
    await waitForRedis(redis);
    store = new RedisSessionStore(redis, 60_000);
  });
  after(() => redis.disconnect());

  it("stores a session as JSON under pilotage:sess:<id>, expiring with its cookie", async () => {
    const id = sid();
    await call((done) => store.set(id, sessionData(5_000, { logout: { state: "abc" } }), done));
    const ttl = await redis.pttl(`${SESSION_KEY_PREFIX}${id}`);
    assert.ok(ttl > 4_000 && ttl <= 5_000, `ttl ${ttl}`);
    const back = await call<session.SessionData | null>((done) => store.get(id, done));
    assert.deepEqual(back?.logout, { state: "abc" });
  });

  it("touch moves the expiry without rewriting the session", async () => {
    const id = sid();
    await call((done) => store.set(id, sessionData(2_000, { logout: { state: "kept" } }), done));
    await redis.set(`${SESSION_KEY_PREFIX}${id}`, JSON.stringify({ marker: "untouched" }), "KEEPTTL");
    await call((done) => store.touch(id, sessionData(9_000), done as () => void));
    assert.ok((await redis.pttl(`${SESSION_KEY_PREFIX}${id}`)) > 8_000);
    assert.equal(await redis.get(`${SESSION_KEY_PREFIX}${id}`), JSON.stringify({ marker: "untouched" }));
  });

  it("touch skips the round trip while the expiry would move by less than touchAfterMs", async () => {
    const lazy = new RedisSessionStore(redis, 60_000, 1_000);
    const id = sid();
    const key = `${SESSION_KEY_PREFIX}${id}`;
    await call((done) => lazy.set(id, sessionData(60_000), done));
    // Someone else shortened it: a touch that would only move our own expiry by milliseconds leaves it.
    await redis.pexpire(key, 5_000);
    await call((done) => lazy.touch(id, sessionData(60_000), done as () => void));
    assert.ok((await redis.pttl(key)) <= 5_000, "no PEXPIRE sent for a move under touchAfterMs");
    // Two seconds further (a request two seconds later): worth a round trip.
    await call((done) => lazy.touch(id, sessionData(62_000), done as () => void));
    assert.ok((await redis.pttl(key)) > 61_000, "the expiry moved once the gap passed touchAfterMs");
    // After a destroy and a new set under the same id, nothing is remembered wrongly.
    await call((done) => lazy.destroy(id, done));
    assert.equal(await redis.exists(key), 0);
    await call((done) => lazy.touch(id, sessionData(60_000), done as () => void));
    assert.equal(await redis.exists(key), 0, "touching a destroyed session does not bring it back");
  });

  it("forgets destroyed, expired and unreadable sessions", async () => {
    const destroyed = sid();
    await call((done) => store.set(destroyed, sessionData(60_000), done));
    await call((done) => store.destroy(destroyed, done));
    assert.equal(await call((done) => store.get(destroyed, done)), null);

    const expired = sid();
    await call((done) => store.set(expired, sessionData(50), done));
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(await call((done) => store.get(expired, done)), null);

    const garbled = sid();
    await redis.set(`${SESSION_KEY_PREFIX}${garbled}`, "{not json", "PX", 60_000);
    assert.equal(await call((done) => store.get(garbled, done)), null);
  });

  it("shares a session's parsed objects while its stored bytes stay the same, and sees every change", async () => {
    const id = sid();
    const key = `${SESSION_KEY_PREFIX}${id}`;
    const shared = () => call<Readonly<session.SessionData> | null>((done) => store.getShared(id, done));
    await call((done) =>
      store.set(id, sessionData(60_000, { user: { email: "a@example.gouv.fr", roles: ["x"] } }), done),
    );
    const first = await shared();
    assert.deepEqual(first, await call((done) => store.get(id, done)), "what get reads");
    assert.equal(await shared(), first, "the same objects again");
    // Frozen all the way down: shared between requests, never changed in place.
    const user = (first as { user: { roles: string[] } }).user;
    assert.ok(Object.isFrozen(first) && Object.isFrozen(user) && Object.isFrozen(user.roles));
    assert.throws(() => user.roles.push("y"), TypeError);
    // get still gives each caller its own objects, which express-session may change.
    const own = await call<session.SessionData | null>((done) => store.get(id, done));
    assert.ok(!Object.isFrozen(own));

    // A touch moves the expiry only: the same bytes, the same objects.
    await call((done) => store.touch(id, sessionData(90_000), done as () => void));
    assert.equal(await shared(), first);
    // Rewritten (another profile, say): parsed anew.
    await redis.set(key, JSON.stringify({ ...first, user: { email: "b@example.gouv.fr" } }), "KEEPTTL");
    const rewritten = await shared();
    assert.notEqual(rewritten, first);
    assert.deepEqual((rewritten as { user: unknown }).user, { email: "b@example.gouv.fr" });
    // Deleted (logout, grant change): gone at once, whatever was kept.
    await redis.del(key);
    assert.equal(await shared(), null);
    // Unreadable: no session, as with get.
    await redis.set(key, "{not json", "PX", 60_000);
    assert.equal(await shared(), null);
  });

  it("reports a frozen Redis as an error within the command timeout, instead of hanging the request", async function () {
    this.timeout(15_000);
    const port = await freePort();
    const server = await startRedis(port);
    const frozen = openRedis(`redis://127.0.0.1:${port}`);
    try {
      await waitForRedis(frozen);
      const frozenStore = new RedisSessionStore(frozen, 60_000);
      server.kill("SIGSTOP");
      const started = Date.now();
      await assert.rejects(
        call((done) => frozenStore.get(sid(), done)),
        (error: unknown) => {
          assert.ok(error instanceof DependencyError);
          assert.deepEqual([error.status, error.dependencyName, error.failure], [503, "redis", "timeout"]);
          assert.match(String((error.cause as Error).message), /timed out/i);
          return true;
        },
      );
      // Not a benchmark: only that it answers at the timeout, not never.
      assert.ok(Date.now() - started < REDIS_COMMAND_TIMEOUT_MS + 5_000);
    } finally {
      server.kill("SIGKILL");
      frozen.disconnect();
    }
  });

  it("reports Redis failures to express-session instead of hanging", async () => {
    const dead = openRedis("redis://127.0.0.1:9");
    try {
      const deadStore = new RedisSessionStore(dead, 60_000);
      await assert.rejects(call((done) => deadStore.get(sid(), done)));
      await assert.rejects(call((done) => deadStore.set(sid(), sessionData(1_000), done)));
    } finally {
      dead.disconnect();
    }
  });
});
