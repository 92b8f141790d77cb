import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import express, { type Request } from "express";
import { Redis } from "ioredis";
import request from "supertest";
import type { SessionUser } from "../../src/auth/identity.js";
import { leanSession } from "../../src/auth/lean-session.js";
import { createSessionStore, sessionMiddleware } from "../../src/auth/session.js";
import type { Config } from "../../src/config.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { RedisSessionStore, SESSION_KEY_PREFIX } from "../../src/storage/session-store.js";
import {
  sessionKeyOf,
  signedSessionCookie,
  startLoginStack,
  type LoginStack,
} from "../support/auth-stack.js";
import { bindVerifiedDashboard } from "../support/embed-binding.js";
import { loginAs } from "../support/login.js";
import { testConfig, testServices } from "../support/services.js";

/**
 * The embed renewal's lean session read (src/auth/lean-session.ts) against the test Redis: it takes the
 * plain case with the same cookie, rules and expiry as express-session, and leaves every other case to
 * the full stack — here a second handler on the same route, answering "full stack".
 */
describe("lean session read (embed renewal)", () => {
  let redis: Redis;
  const KEY = `current-${randomBytes(24).toString("hex")}`;
  const PREVIOUS = `previous-${randomBytes(24).toString("hex")}`;
  const IDLE_SECONDS = 1800;
  const ABSOLUTE_SECONDS = 12 * 3600;

  before(async () => {
    redis = openRedis(testServices.redisUrl);
    await waitForRedis(redis);
  });
  after(() => redis.quit());

  const configOf = (env: Config["env"] = "test"): Config => ({
    ...testConfig({
      SESSION_SECRET: `${KEY},${PREVIOUS}`,
      SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: String(ABSOLUTE_SECONDS),
    }),
    env,
  });

  const user = (loginAt = Date.now()): SessionUser => ({
    sub: "sub-1",
    email: "agent@example.gouv.fr",
    givenName: "Camille",
    usualName: "Martin",
    uid: null,
    siret: null,
    organizationLabel: null,
    idpId: null,
    roles: [],
    custom: {},
    acr: "eidas1",
    amr: [],
    loginAt,
  });

  /** A session as express-session stores it, written straight into Redis; its id. */
  async function storeSession(data: Record<string, unknown>, ttlMs = IDLE_SECONDS * 1000): Promise<string> {
    const sid = randomBytes(16).toString("base64url");
    const cookie = {
      originalMaxAge: ttlMs,
      expires: new Date(Date.now() + ttlMs).toISOString(),
      httpOnly: true,
      path: "/",
      sameSite: "lax",
    };
    await redis.set(`${SESSION_KEY_PREFIX}${sid}`, JSON.stringify({ cookie, ...data }), "PX", ttlMs);
    return sid;
  }

  /**
   * The route as app.ts mounts it: the lean read, then a handler telling what it saw; behind them, the
   * full stack's stand-in. `accepts` stands for the profile's freshness check.
   */
  function gateway(
    options: { env?: Config["env"]; accepts?: (req: Request) => boolean; redis?: Redis } = {},
  ) {
    const config = configOf(options.env);
    const store = createSessionStore({ config, redis: options.redis ?? redis });
    const app = express();
    app.set("trust proxy", 1);
    app.get("/renew", leanSession({ config, store, accepts: options.accepts ?? (() => true) }), (req, res) =>
      res.json({ path: "lean", sid: req.sessionID, email: req.session.user?.email ?? null }),
    );
    app.get("/renew", (req, res) => res.json({ path: "full stack", session: req.session ?? null }));
    return app;
  }

  const setCookieOf = (response: request.Response): string[] =>
    (response.headers["set-cookie"] as unknown as string[] | undefined) ?? [];

  it("answers a valid session on the spot, and rolls its cookie as express-session does", async () => {
    const sid = await storeSession({ user: user() });
    const cookie = `pilotage.sid=${signedSessionCookie(sid, KEY)}`;
    const before = Date.now();
    const lean = await request(gateway()).get("/renew").set("Cookie", cookie).expect(200);
    assert.deepEqual(lean.body, { path: "lean", sid, email: "agent@example.gouv.fr" });

    // express-session, on the same store and session, for the same request.
    const config = configOf();
    const full = express();
    full.use(sessionMiddleware({ config, redis: undefined, store: createSessionStore({ config, redis }) }));
    full.get("/renew", (_req, res) => res.end());
    const reference = await request(full).get("/renew").set("Cookie", cookie).expect(200);
    const withoutExpiry = (header: string) => header.replace(/Expires=[^;]+/, "Expires=…");
    assert.equal(setCookieOf(lean).length, 1);
    assert.deepEqual(setCookieOf(lean).map(withoutExpiry), setCookieOf(reference).map(withoutExpiry));
    // The idle timeout from now: the cookie's expiry moves on each renewal.
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookieOf(lean)[0]!)![1]!);
    assert.ok(expires >= Math.floor(before / 1000) * 1000 + IDLE_SECONDS * 1000 - 1000, `expires ${expires}`);
    assert.ok(expires <= Date.now() + IDLE_SECONDS * 1000 + 1000, `expires ${expires}`);
  });

  it("rolls the production cookie (`__Host-`, Secure) exactly as express-session does", async () => {
    // As express-session stores a production session: its cookie Secure.
    const ttlMs = IDLE_SECONDS * 1000;
    const stored = {
      originalMaxAge: ttlMs,
      expires: new Date(Date.now() + ttlMs).toISOString(),
      secure: true,
      httpOnly: true,
      path: "/",
      sameSite: "lax",
    };
    const sid = await storeSession({ cookie: stored, user: user() });
    const cookie = `__Host-pilotage.sid=${signedSessionCookie(sid, KEY)}`;
    const lean = await request(gateway({ env: "production" }))
      .get("/renew")
      .set("Cookie", cookie)
      .set("X-Forwarded-Proto", "https")
      .expect(200);
    assert.equal(lean.body.path, "lean");
    const config = configOf("production");
    const full = express();
    full.set("trust proxy", 1);
    full.use(sessionMiddleware({ config, redis: undefined, store: createSessionStore({ config, redis }) }));
    full.get("/renew", (_req, res) => res.end());
    const reference = await request(full)
      .get("/renew")
      .set("Cookie", cookie)
      .set("X-Forwarded-Proto", "https")
      .expect(200);
    const withoutExpiry = (header: string) => header.replace(/Expires=[^;]+/, "Expires=…");
    assert.equal(setCookieOf(reference).length, 1);
    assert.deepEqual(setCookieOf(lean).map(withoutExpiry), setCookieOf(reference).map(withoutExpiry));
  });

  it("never writes the session, and moves its idle expiry in Redis", async () => {
    const sid = await storeSession({ user: user(), profile: { chosen: "x" } }, 60_000);
    const key = `${SESSION_KEY_PREFIX}${sid}`;
    const stored = await redis.get(key);
    await request(gateway())
      .get("/renew")
      .set("Cookie", `pilotage.sid=${signedSessionCookie(sid, KEY)}`)
      .expect(200, { path: "lean", sid, email: "agent@example.gouv.fr" });
    assert.equal(await redis.get(key), stored);
    // Touched to the idle timeout (30 minutes), from the one minute it was stored with.
    assert.ok((await redis.pttl(key)) > 29 * 60_000);
  });

  it("keeps to the absolute lifetime: the cookie expires with it when it comes first", async () => {
    const loginAt = Date.now() - ABSOLUTE_SECONDS * 1000 + 60_000;
    const sid = await storeSession({ user: user(loginAt) });
    const lean = await request(gateway())
      .get("/renew")
      .set("Cookie", `pilotage.sid=${signedSessionCookie(sid, KEY)}`)
      .expect(200);
    assert.equal(lean.body.path, "lean");
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookieOf(lean)[0]!)![1]!);
    assert.ok(Math.abs(expires - (loginAt + ABSOLUTE_SECONDS * 1000)) <= 1000, `expires ${expires}`);
    assert.ok((await redis.pttl(`${SESSION_KEY_PREFIX}${sid}`)) <= 60_000);
  });

  describe("leaves to the full stack, untouched", () => {
    const fullStack = { path: "full stack", session: null };
    async function expectFullStack(app: express.Express, cookie: string | undefined, key?: string) {
      const stored = key && (await redis.get(key));
      const call = request(app).get("/renew");
      const response = await (cookie ? call.set("Cookie", cookie) : call).expect(200);
      assert.deepEqual(response.body, fullStack);
      assert.deepEqual(setCookieOf(response), []);
      if (key) assert.equal(await redis.get(key), stored);
    }

    it("a request without a session cookie, or with another cookie only", async () => {
      await expectFullStack(gateway(), undefined);
      await expectFullStack(gateway(), "autre=valeur");
    });

    it("a cookie that is not signed, or whose signature does not hold", async () => {
      const sid = await storeSession({ user: user() });
      await expectFullStack(gateway(), `pilotage.sid=${sid}`);
      const signed = decodeURIComponent(signedSessionCookie(sid, KEY));
      const forged = `${signed.slice(0, -2)}${signed.endsWith("AA") ? "BB" : "AA"}`;
      await expectFullStack(gateway(), `pilotage.sid=${encodeURIComponent(forged)}`);
      await expectFullStack(gateway(), `pilotage.sid=${signedSessionCookie(sid, "another-key")}`);
    });

    it("two session cookies whose first is forged (express-session reads the first too)", async () => {
      const sid = await storeSession({ user: user() });
      const genuine = signedSessionCookie(sid, KEY);
      const forged = signedSessionCookie(sid, "another-key");
      await expectFullStack(gateway(), `pilotage.sid=${forged}; pilotage.sid=${genuine}`);
    });

    it("a cookie signed with the previous key (the full stack signs it again with the current one)", async () => {
      const sid = await storeSession({ user: user() });
      await expectFullStack(gateway(), `pilotage.sid=${signedSessionCookie(sid, PREVIOUS)}`);
    });

    it("a session Redis no longer holds (logged out, ended by a grant change, expired)", async () => {
      const sid = await storeSession({ user: user() });
      await redis.del(`${SESSION_KEY_PREFIX}${sid}`);
      await expectFullStack(gateway(), `pilotage.sid=${signedSessionCookie(sid, KEY)}`);
      assert.equal(await redis.exists(`${SESSION_KEY_PREFIX}${sid}`), 0);
    });

    it("a session past its absolute lifetime, or whose user this version cannot read", async () => {
      const old = await storeSession({ user: user(Date.now() - ABSOLUTE_SECONDS * 1000 - 1) });
      await expectFullStack(
        gateway(),
        `pilotage.sid=${signedSessionCookie(old, KEY)}`,
        `${SESSION_KEY_PREFIX}${old}`,
      );
      const unreadable = await storeSession({ user: { ...user(), loginAt: "yesterday" } });
      await expectFullStack(
        gateway(),
        `pilotage.sid=${signedSessionCookie(unreadable, KEY)}`,
        `${SESSION_KEY_PREFIX}${unreadable}`,
      );
      const anonymous = await storeSession({ login: { state: "in flight" } });
      await expectFullStack(gateway(), `pilotage.sid=${signedSessionCookie(anonymous, KEY)}`);
    });

    it("a session it read lean a moment ago that has since passed its absolute lifetime, its bytes unchanged", async () => {
      const sid = await storeSession({ user: user(Date.now() - ABSOLUTE_SECONDS * 1000 + 1_000) });
      const cookie = `pilotage.sid=${signedSessionCookie(sid, KEY)}`;
      const app = gateway();
      const lean = await request(app).get("/renew").set("Cookie", cookie).expect(200);
      assert.equal(lean.body.path, "lean");
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await expectFullStack(app, cookie, `${SESSION_KEY_PREFIX}${sid}`);
    });

    it("a session whose profile must be worked out again", async () => {
      const sid = await storeSession({ user: user() });
      const seen: Array<string | undefined> = [];
      const app = gateway({
        accepts: (req) => {
          seen.push(req.session.user?.email);
          return false;
        },
      });
      await expectFullStack(
        app,
        `pilotage.sid=${signedSessionCookie(sid, KEY)}`,
        `${SESSION_KEY_PREFIX}${sid}`,
      );
      assert.deepEqual(seen, ["agent@example.gouv.fr"]);
    });

    it("in production, a request that did not come over https", async () => {
      const sid = await storeSession({ user: user() });
      const cookie = `__Host-pilotage.sid=${signedSessionCookie(sid, KEY)}`;
      await expectFullStack(gateway({ env: "production" }), cookie);
      // Over https, the `__Host-` cookie is read and rolled, Secure.
      const secure = await request(gateway({ env: "production" }))
        .get("/renew")
        .set("Cookie", cookie)
        .set("X-Forwarded-Proto", "https")
        .expect(200, { path: "lean", sid, email: "agent@example.gouv.fr" });
      assert.match(
        setCookieOf(secure)[0]!,
        /^__Host-pilotage\.sid=s%3A[^;]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/,
      );
      // The plain name is not the production cookie.
      await expectFullStack(gateway({ env: "production" }), `pilotage.sid=${signedSessionCookie(sid, KEY)}`);
    });

    it("a store that fails (the full stack answers 503)", async () => {
      const sid = await storeSession({ user: user() });
      const away = new Redis({
        port: 1,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
      });
      try {
        await expectFullStack(gateway({ redis: away }), `pilotage.sid=${signedSessionCookie(sid, KEY)}`);
      } finally {
        away.disconnect();
      }
    });
  });

  it("still refuses a forged cookie once the genuine one was accepted", async () => {
    // The same route (and its kept checks) for every request.
    const sid = await storeSession({ user: user() });
    const app = gateway();
    const cookie = `pilotage.sid=${signedSessionCookie(sid, KEY)}`;
    await request(app)
      .get("/renew")
      .set("Cookie", cookie)
      .expect(200, { path: "lean", sid, email: "agent@example.gouv.fr" });
    await request(app)
      .get("/renew")
      .set("Cookie", cookie)
      .expect(200, { path: "lean", sid, email: "agent@example.gouv.fr" });
    // A forged value is still checked, and refused, after a good one was kept.
    const forged = cookie.replace(/.{4}$/, "AAAA");
    await request(app).get("/renew").set("Cookie", forged).expect(200, { path: "full stack", session: null });
  });

  it("reads the memory store of the demo too", async () => {
    const config = configOf();
    const store = createSessionStore({ config, redis: undefined });
    assert.ok(!(store instanceof RedisSessionStore));
    const sid = "demo-session";
    await new Promise<void>((resolve, reject) =>
      store.set(
        sid,
        { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, user: user() } as never,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    const app = express();
    app.get("/renew", leanSession({ config, store, accepts: () => true }), (req, res) =>
      res.json({ email: req.session.user?.email }),
    );
    await request(app)
      .get("/renew")
      .set("Cookie", `pilotage.sid=${signedSessionCookie(sid, KEY)}`)
      .expect(200, { email: "agent@example.gouv.fr" });
  });
});

describe("embed renewal through the whole gateway", () => {
  let stack: LoginStack;
  const metrics = createMetrics({ defaultMetrics: false });
  const DASHBOARD = "candidatures-recues-par-les-siae";
  /** How many renewals each path has read so far. */
  async function reads(): Promise<{ lean: number; full_stack: number }> {
    const { values } = await metrics.embedSessionReads.get();
    const of = (path: string) => values.find((v) => v.labels.path === path)?.value ?? 0;
    return { lean: of("lean"), full_stack: of("full_stack") };
  }
  before(async () => {
    stack = await startLoginStack({
      metrics,
      env: {
        METABASE_SITE_URL: "http://metabase.invalid:3000",
        METABASE_EMBEDDING_SECRET_KEY: "ab".repeat(32),
      },
    });
    await bindVerifiedDashboard(stack.testStack.deps.db, DASHBOARD);
  });
  after(() => stack?.close());

  const embedPath = `/api/dashboards/${DASHBOARD}/embed`;
  const redisOf = () => stack.testStack.deps.redis!;
  /** Rewrites the stored profile's computedAt, keeping the rest of the session and its expiry. */
  async function storeComputedAt(key: string, computedAt: number): Promise<void> {
    const session = JSON.parse((await redisOf().get(key))!) as { profile: { computedAt: number } };
    await redisOf().set(
      key,
      JSON.stringify({ ...session, profile: { ...session.profile, computedAt } }),
      "KEEPTTL",
    );
  }

  it("signs from the stored session without writing it", async () => {
    const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const key = sessionKeyOf(browser);
    const stored = await redisOf().get(key);
    const before = await reads();
    const response = await browser.get(`${stack.baseUrl}${embedPath}`);
    assert.equal(response.status, 200);
    assert.deepEqual(await reads(), { ...before, lean: before.lean + 1 });
    assert.match(
      ((await response.json()) as { url: string }).url,
      /^http:\/\/metabase\.invalid:3000\/embed\/dashboard\//,
    );
    assert.equal(await redisOf().get(key), stored);
  });

  it("answers with the security headers every other route gets from helmet", async () => {
    const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const before = await reads();
    const renewal = await browser.get(`${stack.baseUrl}${embedPath}`);
    assert.equal(renewal.status, 200);
    assert.deepEqual(await reads(), { ...before, lean: before.lean + 1 }, "answered by the lean read");
    const me = await browser.get(`${stack.baseUrl}/api/me`);
    assert.equal(me.status, 200);
    const helmetHeaders = [
      "content-security-policy",
      "cross-origin-opener-policy",
      "cross-origin-resource-policy",
      "origin-agent-cluster",
      "referrer-policy",
      "x-content-type-options",
      "x-dns-prefetch-control",
      "x-download-options",
      "x-frame-options",
      "x-permitted-cross-domain-policies",
      "x-xss-protection",
    ];
    for (const name of helmetHeaders) {
      assert.ok(me.headers.get(name), `${name} on /api/me`);
      assert.equal(renewal.headers.get(name), me.headers.get(name), name);
    }
    assert.equal(renewal.headers.get("x-powered-by"), null);
    assert.match(renewal.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(renewal.headers.get("cache-control"), "no-store");
  });

  it("works a stale profile out again through the full stack, which saves it", async () => {
    const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const key = sessionKeyOf(browser);
    await storeComputedAt(key, Date.now() - (stack.config.placement.cacheSeconds + 60) * 1000);
    const before = Date.now();
    const counted = await reads();
    assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 200);
    assert.deepEqual(await reads(), { ...counted, full_stack: counted.full_stack + 1 });
    const after = JSON.parse((await redisOf().get(key))!) as { profile: { computedAt: number } };
    assert.ok(after.profile.computedAt >= before, `computedAt ${after.profile.computedAt}`);
  });

  it("counts no session read for an anonymous renewal", async () => {
    const before = await reads();
    const response = await fetch(`${stack.baseUrl}${embedPath}`, { headers: { Accept: "application/json" } });
    assert.equal(response.status, 401);
    assert.deepEqual(await reads(), before);
  });

  it("sees a change to a session it already read: a stale profile goes to the full stack, an ended one is refused", async () => {
    const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const key = sessionKeyOf(browser);
    // Read twice on the lean path: the stored session's objects are now kept by the store.
    for (let i = 0; i < 2; i++) assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 200);
    await storeComputedAt(key, Date.now() - (stack.config.placement.cacheSeconds + 60) * 1000);
    const counted = await reads();
    assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 200);
    assert.deepEqual(await reads(), { ...counted, full_stack: counted.full_stack + 1 });
    // Worked out again and saved by the full stack: the lean path takes the new version.
    assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 200);
    assert.deepEqual(await reads(), { lean: counted.lean + 1, full_stack: counted.full_stack + 1 });
    await redisOf().del(key);
    assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 401);
    assert.equal(await redisOf().exists(key), 0);
  });

  it("sends a profile that came of age since its last lean read to the full stack, its bytes unchanged", async () => {
    const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const key = sessionKeyOf(browser);
    await storeComputedAt(key, Date.now() - stack.config.placement.cacheSeconds * 1000 + 1_000);
    const counted = await reads();
    assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 200);
    assert.deepEqual(await reads(), { ...counted, lean: counted.lean + 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await browser.get(`${stack.baseUrl}${embedPath}`)).status, 200);
    assert.deepEqual(await reads(), { lean: counted.lean + 1, full_stack: counted.full_stack + 1 });
  });

  it("refuses a session that was ended, without bringing it back", async () => {
    const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const key = sessionKeyOf(browser);
    await redisOf().del(key);
    const response = await browser.get(`${stack.baseUrl}${embedPath}`);
    assert.equal(response.status, 401);
    assert.equal(await redisOf().exists(key), 0);
  });
});
