/**
 * `npm run bench -- login [--logins 300] [--seconds 5] [--concurrency 8]`
 *
 * 1. Logins per second through the whole flow (login page, ProConnect button, the provider's form, the
 *    redirects, the callback with its token and userinfo calls, the home page), against the demo shape:
 *    the ProConnect-like provider mounted in the gateway's process, sessions in Redis when run through
 *    scripts/bench.sh (in memory otherwise).
 * 2. The cost of a session lookup on an authenticated request, against a bare Express handler measured in
 *    the same run: the same handler behind the session middleware alone, and the whole gateway's /api/me.
 *    Reported as the server's own time per request (measured around the handler) and as throughput.
 *
 * Servers run here; the load comes from scripts/bench/login-client.ts in another process.
 */
import { execFile } from "node:child_process";
import type { RequestListener } from "node:http";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import express from "express";
import { createApp } from "../../src/app.js";
import { loadCatalog } from "../../src/catalog/index.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { proconnectRedirectUris } from "../../src/auth/routes.js";
import { enforceSessionLifetime, getSessionUser, sessionMiddleware } from "../../src/auth/session.js";
import { loadConfig } from "../../src/config.js";
import { inProcessDemoProvider } from "../../src/demo-idp/in-process.js";
import { createLogger } from "../../src/logging.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { openDatabase } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { loginAs } from "../../test/support/login.js";

const EMAIL = "agent.ddets93@demo.pilotage.test";
const run$ = promisify(execFile);

interface ClientResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function client(...args: string[]): Promise<ClientResult> {
  const { stdout } = await run$(
    process.execPath,
    ["--import", "tsx", path.join(PROJECT_ROOT, "scripts/bench/login-client.ts"), ...args],
    { cwd: PROJECT_ROOT, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split("\n").pop()!) as ClientResult;
}

/** Wraps a handler to add up the time the server spends on each request, from arrival to last byte. */
function timed(handler: RequestListener): { handler: RequestListener; reset(): void; meanMs(): number } {
  let total = 0;
  let count = 0;
  return {
    handler: (req, res) => {
      const t0 = performance.now();
      res.on("finish", () => {
        total += performance.now() - t0;
        count++;
      });
      handler(req, res);
    },
    reset: () => {
      total = 0;
      count = 0;
    },
    meanMs: () => (count ? total / count : 0),
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      logins: { type: "string", default: "300" },
      seconds: { type: "string", default: "5" },
      concurrency: { type: "string", default: "8" },
    },
  });
  const logins = Number(values.logins);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const redisUrl = process.env.TEST_REDIS_URL;

  let gatewayHandler: RequestListener | undefined;
  const gateway = await startServer((req, res) => gatewayHandler!(req, res), 0, "127.0.0.1");
  const baseConfig = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    PUBLIC_URL: gateway.url,
    SESSION_SECRET: "bench-session-secret-that-is-long-enough-0123456789",
    LOGIN_RATE_LIMIT_PER_MINUTE: "1000000",
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });
  const demo = inProcessDemoProvider(baseConfig, proconnectRedirectUris(gateway.url))!;
  const config = demo.config;
  const logger = createLogger("silent");
  const redis = redisUrl ? openRedis(redisUrl) : undefined;
  if (redis) await waitForRedis(redis);
  const db = await openDatabase({
    name: "gateway",
    url: process.env.TEST_DATABASE_URL,
    pgliteDataDir: "memory://",
  });
  await migrate(db);
  const whole = timed(
    createApp({
      config,
      logger,
      db,
      warehouse: db,
      redis,
      demoIdentityProvider: demo.mount,
      catalog: await loadCatalog(PROJECT_ROOT),
      placementRules: await loadPlacementRules(PROJECT_ROOT, { demo: true }),
    }),
  );
  gatewayHandler = whole.handler;

  const sessionApp = express();
  sessionApp.use(sessionMiddleware({ config, redis }));
  sessionApp.use(enforceSessionLifetime({ config, logger }));
  sessionApp.get("/me", (req, res) => {
    res.json({ email: getSessionUser(req)?.email });
  });
  const bareApp = express();
  bareApp.get("/me", (_req, res) => {
    res.json({ email: EMAIL });
  });
  const withSession = timed(sessionApp);
  const bare = timed(bareApp);
  const servers: RunningServer[] = [
    gateway,
    await startServer(withSession.handler, 0, "127.0.0.1"),
    await startServer(bare.handler, 0, "127.0.0.1"),
  ];
  const [, sessionServer, bareServer] = servers as [RunningServer, RunningServer, RunningServer];

  try {
    console.log(
      `login bench — Node ${process.version}, sessions ${redis ? "in Redis" : "in memory"}, provider in the gateway's process, load from another process\n`,
    );
    await client("logins", gateway.url, EMAIL, "1", "20"); // warm-up: discovery, keys, JIT
    const one = await client("logins", gateway.url, EMAIL, "1", String(logins));
    const many = await client("logins", gateway.url, EMAIL, String(concurrency), String(logins));
    console.log(
      "Whole login flow (11 HTTP requests by the browser and 2 by the gateway; 2 JWTs signed, 2 verified)",
    );
    console.log(
      `  1 client     ${one.perSecond.toFixed(1).padStart(6)} logins/s   p50 ${one.p50Ms.toFixed(1)} ms   p99 ${one.p99Ms.toFixed(1)} ms`,
    );
    console.log(
      `  ${String(concurrency).padEnd(2)} clients   ${many.perSecond.toFixed(1).padStart(6)} logins/s   p50 ${many.p50Ms.toFixed(1)} ms   p99 ${many.p99Ms.toFixed(1)} ms\n`,
    );

    const browser = await loginAs(gateway.url, EMAIL);
    const cookie = browser.jar.headerFor(new URL(gateway.url));
    const cases = [
      { name: "bare Express handler", url: `${bareServer.url}/me`, timing: bare },
      { name: "session lookup + handler", url: `${sessionServer.url}/me`, timing: withSession },
      { name: "whole gateway /api/me", url: `${gateway.url}/api/me`, timing: whole },
    ];
    for (const c of [1, concurrency]) {
      console.log(`Authenticated GET, ${c} client${c > 1 ? "s" : ""}, ${seconds} s each`);
      const rows: Array<{ perSecond: number; serverMs: number }> = [];
      for (const { name, url, timing } of cases) {
        await client("get", url, cookie, String(c), "1"); // warm-up
        timing.reset();
        const result = await client("get", url, cookie, String(c), String(seconds));
        const serverMs = timing.meanMs();
        rows.push({ perSecond: result.perSecond, serverMs });
        console.log(
          `  ${name.padEnd(26)} ${result.perSecond.toFixed(0).padStart(6)} req/s   server ${(serverMs * 1000).toFixed(0).padStart(5)} µs/request   client p50 ${result.p50Ms.toFixed(2)} ms`,
        );
      }
      const [b, s, w] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
      console.log(
        `  → session lookup: ${(s.serverMs / b.serverMs).toFixed(1)}× the bare handler's server time (+${((s.serverMs - b.serverMs) * 1000).toFixed(0)} µs), ` +
          `throughput ${(s.perSecond / b.perSecond).toFixed(2)}× the bare handler's; whole gateway: ${(w.serverMs / b.serverMs).toFixed(1)}× the time, ` +
          `${(w.perSecond / b.perSecond).toFixed(2)}× the throughput\n`,
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop(1000)));
    await db.close();
    redis?.disconnect();
  }
}
