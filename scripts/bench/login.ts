/**
 * `npm run bench -- login [--logins 300] [--seconds 5] [--concurrency 8]`
 *
 * 1. Logins per second through the whole flow (login page, ProConnect button, the provider's form, the
 *    redirects, the callback with its token and userinfo calls, the home page), against the demo shape:
 *    the ProConnect-like provider mounted in the gateway's process, sessions in Redis, people placed
 *    through a demo warehouse (scale 0.05) — all on the throw-away services of scripts/bench.sh.
 * 2. The cost of a session lookup on an authenticated request, against a bare Express handler measured in
 *    the same run: the same handler behind the session middleware alone, and the whole gateway's /api/me.
 *    Reported as the server's own time per request (measured around the handler) and as throughput.
 *
 * Servers run here; the load comes from scripts/bench/load-client.ts in another process.
 */
import { parseArgs } from "node:util";
import express from "express";
import { enforceSessionLifetime, getSessionUser, sessionMiddleware } from "../../src/auth/session.js";
import { createLogger } from "../../src/logging.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { loginAs } from "../../test/support/login.js";
import { loadClient, openBenchStores, startBenchGateway, timed } from "./harness.js";

const EMAIL = "agent.ddets93@demo.pilotage.test";

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
  const warmUp = String(Math.min(1, seconds));
  const stores = await openBenchStores("login");
  const { redis, db, warehouse } = stores;
  const { server: gateway, config, app: whole } = await startBenchGateway({ db, warehouse, redis });
  const logger = createLogger("silent");

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
      `login bench — Node ${process.version}, sessions in Redis, provider in the gateway's process, load from another process\n`,
    );
    await loadClient("logins", gateway.url, EMAIL, "1", String(Math.min(20, logins))); // warm-up: discovery, keys, JIT
    const one = await loadClient("logins", gateway.url, EMAIL, "1", String(logins));
    const many = await loadClient("logins", gateway.url, EMAIL, String(concurrency), String(logins));
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
        await loadClient("get", url, cookie, String(c), warmUp); // warm-up
        timing.reset();
        const result = await loadClient("get", url, cookie, String(c), String(seconds));
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
    await stores.close();
  }
}
