import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import express from "express";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { endSession, sessionMiddleware } from "../../src/auth/session.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { startServer } from "../../src/server.js";
import { captureLogger } from "../support/app.js";
import { sessionKeyOf, startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { freePort } from "../support/free-port.js";
import { Browser, driveLogin, loginAs, startLogout } from "../support/login.js";
import { testConfig, testServices } from "../support/services.js";
import { startTlsProxy, type TlsProxy } from "../support/tls-proxy.js";

const DDETS = "agent.ddets93@demo.pilotage.test";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("session cookie", () => {
  it("is HttpOnly, SameSite=Lax, on the whole site, and not readable by scripts", async () => {
    const stack = await startLoginStack();
    try {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const cookie = browser.jar.get("pilotage.sid")!;
      assert.deepEqual(
        { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, path: cookie.path, secure: cookie.secure },
        { httpOnly: true, sameSite: "lax", path: "/", secure: false },
      );
    } finally {
      await stack.close();
    }
  });

  it("is __Host- prefixed and Secure in production, and only ever sent over https", async () => {
    const config = { ...testConfig(), env: "production" as const };
    const app = express();
    app.set("trust proxy", 1);
    app.use(sessionMiddleware({ config, redis: undefined }));
    app.get("/", (req, res) => {
      req.session.logout = { state: "x" };
      res.end();
    });
    const overHttps = await request(app).get("/").set("X-Forwarded-Proto", "https").expect(200);
    const [cookie = ""] = overHttps.headers["set-cookie"] as unknown as string[];
    assert.match(
      cookie,
      // `__Host-`: browsers keep it only Secure, on Path=/ and without Domain (none is set here).
      /^__Host-pilotage\.sid=s%3A[\w-]+\.[\w%+/]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/,
    );
    // Over plain http (e.g. TRUST_PROXY missing behind a TLS proxy) no session cookie is sent at all.
    const overHttp = await request(app).get("/").expect(200);
    assert.equal(overHttp.headers["set-cookie"], undefined);
    // Ending the session clears it under the same name, Secure: browsers ignore a __Host- cookie without.
    app.get("/fin", async (req, res) => {
      await endSession(req, res);
      res.end();
    });
    const ended = await request(app)
      .get("/fin")
      .set("X-Forwarded-Proto", "https")
      .set("Cookie", cookie.split(";")[0]!)
      .expect(200);
    assert.deepEqual(ended.headers["set-cookie"], [
      "__Host-pilotage.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
    ]);
  });
});

describe("session cookie in production, behind a TLS-terminating proxy", function () {
  this.timeout(30_000);
  let proxy: TlsProxy;
  let stack: LoginStack;
  before(async () => {
    proxy = await startTlsProxy();
    stack = await startLoginStack({
      production: true,
      env: { PUBLIC_URL: proxy.url, TRUST_PROXY: "1" },
      extraRedirectOrigins: [proxy.url],
    });
    proxy.target = stack.baseUrl;
  });
  after(async () => {
    await proxy?.close();
    await stack?.close();
  });

  it("logs a person in through the proxy with TRUST_PROXY, under __Host-pilotage.sid", async () => {
    const setCookies: string[] = [];
    const browser = new Browser();
    const { page } = await driveLogin(proxy.url, DDETS, {
      browser,
      rewriteCallbackUrl: (url) => {
        assert.equal(url.origin, proxy.url, "ProConnect answers at PUBLIC_URL, the proxy's https address");
        return url;
      },
    });
    assert.equal(page.status, 200, page.text.slice(0, 2000));
    assert.match(page.text, /id="identite-connectee">Camille Martin</);
    const cookie = browser.jar.get("__Host-pilotage.sid");
    assert.ok(
      cookie,
      `cookies: ${browser.jar
        .all()
        .map((c) => c.name)
        .join(", ")}`,
    );
    assert.deepEqual(
      {
        host: cookie.host,
        path: cookie.path,
        secure: cookie.secure,
        httpOnly: cookie.httpOnly,
        sameSite: cookie.sameSite,
      },
      { host: "localhost", path: "/", secure: true, httpOnly: true, sameSite: "lax" },
    );
    assert.equal(browser.jar.get("pilotage.sid"), undefined);
    const me = await browser.get(`${proxy.url}/api/me`);
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, DDETS);
    for (const header of (await browser.get(`${proxy.url}/`)).headers.getSetCookie()) setCookies.push(header);
    assert.ok(
      setCookies.every((c) => !/;\s*Domain=/i.test(c)),
      "a __Host- cookie never names a Domain",
    );

    // Logout clears it under the same name, Secure (a browser ignores a __Host- clearing without it).
    const logout = await startLogout(browser, proxy.url);
    assert.equal(logout.status, 303);
    assert.equal((await browser.get(`${proxy.url}/api/me`)).status, 401);
  });

  it("sends no session cookie when the gateway does not trust the proxy: no login completes", async () => {
    const untrusting = await startServer(
      createApp({
        ...stack.testStack.deps,
        config: { ...stack.config, http: { ...stack.config.http, trustProxy: undefined } },
      }),
      0,
      "127.0.0.1",
    );
    proxy.target = untrusting.url;
    try {
      const browser = new Browser();
      const { page } = await driveLogin(proxy.url, DDETS, { browser });
      assert.equal(page.status, 400);
      assert.match(page.text, /<h1>Demande de connexion expirée<\/h1>/);
      assert.deepEqual(
        browser.jar.all().filter((c) => c.host === "localhost"),
        [],
      );
    } finally {
      proxy.target = stack.baseUrl;
      await untrusting.stop(1000);
    }
  });
});

describe("session lifetime", () => {
  it("logs the person out after the idle timeout, and each request pushes it back", async () => {
    const stack = await startLoginStack({ env: { SESSION_IDLE_TIMEOUT_SECONDS: "3" } });
    const redis = stack.testStack.deps.redis!;
    try {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const key = sessionKeyOf(browser);
      const ttl = await redis.pttl(key);
      assert.ok(ttl > 2000 && ttl <= 3000, `Redis forgets the session with the idle timeout (${ttl} ms)`);
      // Cookie expiry dates are whole seconds: pauses stay well under the timeout minus one second.
      for (let i = 0; i < 3; i++) {
        await sleep(1500);
        assert.equal(
          (await browser.get(`${stack.baseUrl}/api/me`)).status,
          200,
          `still active after ${i + 1} pauses`,
        );
      }
      const cookie = browser.jar.headerFor(new URL(stack.baseUrl));
      await sleep(3300);
      assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
      assert.equal(await redis.exists(key), 0);
      // The server itself refuses the old cookie, not only the browser that dropped it.
      const replayed = await fetch(`${stack.baseUrl}/api/me`, { headers: { cookie } });
      assert.ok(cookie.includes("pilotage.sid="));
      assert.equal(replayed.status, 401);
      const home = await browser.follow(`${stack.baseUrl}/`);
      assert.match(home.text, /href="\/connexion">Se connecter<\/a>/);
      assert.doesNotMatch(home.text, /identite-connectee/);
    } finally {
      await stack.close();
    }
  });

  it("ends the session at its absolute lifetime, however active the person is", async () => {
    const stack = await startLoginStack({
      env: { SESSION_IDLE_TIMEOUT_SECONDS: "600", SESSION_ABSOLUTE_TIMEOUT_SECONDS: "4" },
    });
    const redis = stack.testStack.deps.redis!;
    try {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const key = sessionKeyOf(browser);
      // Timed from what is left of the lifetime, not from the end of loginAs: a loaded machine may spend
      // seconds of it logging in.
      const left = await redis.pttl(key);
      assert.ok(left <= 4000, "the Redis expiry never goes past the absolute lifetime");
      assert.ok(left > 1000, `too little of the lifetime left to test it (${left} ms)`);
      await sleep(left / 2);
      assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 200);
      await sleep(left / 2 + 300);
      assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
    } finally {
      await stack.close();
    }
  });

  it("refuses a session whose login is older than the absolute lifetime, whatever its Redis expiry", async () => {
    const { logger, lines } = captureLogger("info");
    const stack = await startLoginStack({ logger, env: { SESSION_ABSOLUTE_TIMEOUT_SECONDS: "3600" } });
    const redis = stack.testStack.deps.redis!;
    try {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const key = sessionKeyOf(browser);
      const data = JSON.parse((await redis.get(key))!) as { user: { loginAt: number } };
      data.user.loginAt = Date.now() - 3601 * 1000;
      await redis.set(key, JSON.stringify(data), "PX", 60_000);
      assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
      assert.equal(await redis.exists(key), 0);
      assert.ok(
        lines.some((line) => line.includes('"reason":"absolute_lifetime"') && line.includes("session ended")),
      );
    } finally {
      await stack.close();
    }
  });

  it("ends a session holding a user this version cannot read, instead of trusting it", async () => {
    const stack = await startLoginStack();
    const redis = stack.testStack.deps.redis!;
    try {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const key = sessionKeyOf(browser);
      const data = JSON.parse((await redis.get(key))!) as { user: Record<string, unknown> };
      delete data.user.sub;
      await redis.set(key, JSON.stringify(data), "PX", 60_000);
      assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
      assert.equal(await redis.exists(key), 0);
    } finally {
      await stack.close();
    }
  });
});

/** A real gateway process (src/main.ts), as in production, on a given port. */
async function startGatewayProcess(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "pilotage-gateway-")),
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}):\n${stderr}`);
    const ready = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return child;
    await sleep(200);
  }
  child.kill("SIGKILL");
  throw new Error(`gateway did not start on ${port}:\n${stderr}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

describe("sessions across gateway processes", function () {
  this.timeout(120_000);
  const children: ChildProcess[] = [];
  let provider: LoginStack;
  let env: Record<string, string>;
  let portA: number;
  let portB: number;

  before(async () => {
    [portA, portB] = [await freePort(), await freePort()];
    provider = await startLoginStack({
      extraRedirectOrigins: [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`],
    });
    env = {
      SESSION_SECRET: provider.config.session.secret,
      REDIS_URL: testServices.redisUrl,
      DATABASE_URL: testServices.databaseUrl,
      WAREHOUSE_URL: testServices.warehouseUrl,
      PROCONNECT_ISSUER: provider.issuer,
      PROCONNECT_CLIENT_ID: provider.clientId,
      PROCONNECT_CLIENT_SECRET: provider.clientSecret,
    };
  });
  after(async () => {
    await Promise.all(children.map(stopProcess));
    await provider.close();
  });

  it("shares a session between two processes on one Redis, and keeps it across a restart", async () => {
    const [a, b] = await Promise.all([startGatewayProcess(portA, env), startGatewayProcess(portB, env)]);
    children.push(a, b);
    const urlA = `http://127.0.0.1:${portA}`;
    const urlB = `http://127.0.0.1:${portB}`;

    const browser = await loginAs(urlA, DDETS);
    const onB = await browser.get(`${urlB}/api/me`);
    assert.equal(onB.status, 200, "the session made by process A is valid on process B");
    assert.equal(((await onB.json()) as { displayName: string }).displayName, "Camille Martin");

    await stopProcess(a);
    await assert.rejects(fetch(`${urlA}/healthz`), "process A is gone");
    const restarted = await startGatewayProcess(portA, env);
    children.push(restarted);
    const page = await browser.follow(`${urlA}/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="identite-connectee">Camille Martin</, "the session survived the restart");

    // Logging out on one process ends the session everywhere.
    const logout = await startLogout(browser, urlB);
    assert.equal(logout.status, 303);
    assert.equal((await browser.get(`${urlA}/api/me`)).status, 401);
  });
});
