/**
 * `npm run bench -- embed [--seconds 5] [--clients 1,8,32] [--rounds 3] [--slices 5] [--durable]`
 *
 * Requests per second and latency (p50, p99) of `GET /api/dashboards/:key/embed` for a logged-in DDETS
 * agent — session lookup in Redis, profile, access check, signature, and the audit row written in
 * Postgres under the "still verified" condition — against a bare Express handler answering a JSON body
 * of the same size, measured in the same run, at each number of concurrent clients.
 *
 * The yardstick is the floor: the bare handler plus the endpoint's unavoidable I/O, one Redis GET and
 * one audit INSERT per request, each request on its own (no batching, whatever the gateway does).
 * Target: the embed at 8 clients ≥ 0.8× the floor, p99 ≤ 10 ms, on the default Postgres and on a
 * durable one (`--durable`: every commit waits for the disk, as in production). The whole gateway's
 * /api/me (session and profile, no token) says what the session costs. No Metabase is needed: the
 * endpoint never calls it (the dashboard id comes from `metabase_objects`, recorded here as `apply`
 * would).
 *
 * Each round gives every load its `seconds` in `slices` turns (five of one second by default), the loads
 * taking turns in a rotating order: the machine's drift over a round (another process waking up, the
 * disk flushing) then weighs on the floor and on the embed alike, rather than on whichever ran while it
 * happened. A load's figures in a round add up its slices.
 */
import { parseArgs } from "node:util";
import express from "express";
import { writeAudit } from "../../src/audit/audit-log.js";
import { ensureDemoGrants } from "../../src/demo/grants.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { sessionKeyOf } from "../../test/support/auth-stack.js";
import { BOUND_METABASE_ID, bindVerifiedDashboard } from "../../test/support/embed-binding.js";
import { loginAs } from "../../test/support/login.js";
import {
  describeDurability,
  formatRow,
  loadClient,
  openBenchStores,
  startBenchGateway,
  timed,
  mergeResults,
  type ClientResult,
} from "./harness.js";

const EMAIL = "agent.ddets93@demo.pilotage.test";
const BARE = "bare Express handler";
const FLOOR = "bare + Redis GET + INSERT";
const EMBED = "GET …/embed, logged in";

function pick<T>(rows: Record<string, T>): { bare: T; floor: T; embed: T } {
  return { bare: rows[BARE]!, floor: rows[FLOOR]!, embed: rows[EMBED]! };
}
const DASHBOARD = "candidatures-recues-par-les-siae";
const COUNT_ISSUED =
  "SELECT count(*) AS n FROM audit_log WHERE action = 'embed.token_issued' AND NOT details ? 'bench'";

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "5" },
      clients: { type: "string", default: "1,8,32" },
      rounds: { type: "string", default: "3" },
      slices: { type: "string", default: "5" },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const clientCounts = values.clients.split(",").map(Number);
  const warmUp = String(Math.min(1, seconds));
  // Slices of at least a second (a shorter one measures the client's start more than the load).
  const slices = Math.max(1, Math.min(Number(values.slices), Math.floor(seconds)));
  const sliceSeconds = String(seconds / slices);

  const stores = await openBenchStores("embed");
  const { redis, db, warehouse } = stores;
  await ensureDemoGrants(db);
  await bindVerifiedDashboard(db, DASHBOARD);

  const gateway = await startBenchGateway(
    { db, warehouse, redis },
    { METABASE_SITE_URL: "http://metabase.invalid:3000", METABASE_EMBEDDING_SECRET_KEY: "ab".repeat(32) },
  );
  const browser = await loginAs(gateway.server.url, EMAIL);
  const cookie = browser.jar.headerFor(new URL(gateway.server.url));
  const embedUrl = `${gateway.server.url}/api/dashboards/${DASHBOARD}/embed`;
  const sample = await browser.get(embedUrl);
  if (sample.status !== 200) throw new Error(`${embedUrl} answered ${sample.status}: ${await sample.text()}`);
  const body = await sample.text();

  const bareApp = express();
  bareApp.get("/embed", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.type("json").send(body);
  });
  // The I/O the endpoint cannot do without, and nothing else: read the session in Redis, write the audit
  // row in Postgres. The gap between this and the bare handler is what the machine charges for them.
  const sessionKey = sessionKeyOf(browser);
  bareApp.get("/floor", async (_req, res) => {
    if ((await redis.get(sessionKey)) === null) throw new Error("the bench session is gone");
    await writeAudit(db, {
      action: "embed.token_issued",
      resource: { kind: "dashboard", key: DASHBOARD, id: String(BOUND_METABASE_ID) },
      lockedValues: { departement: ["93"] },
      details: { bench: "floor" },
    });
    res.setHeader("Cache-Control", "no-store");
    res.type("json").send(body);
  });
  const bare = timed(bareApp);
  const bareServer = await startServer(bare.handler, 0, "127.0.0.1");
  const servers: RunningServer[] = [gateway.server, bareServer];

  try {
    console.log(
      `embed bench — Node ${process.version} (NODE_OPTIONS=${process.env.NODE_OPTIONS ?? ""}), sessions in Redis, audit log in Postgres, load from another process`,
    );
    console.log(`gateway database: ${await describeDurability(db)}`);
    console.log(
      `GET /api/dashboards/${DASHBOARD}/embed (${body.length} bytes) vs a bare Express handler sending the same body\n`,
    );
    const auditBefore = await db.query<{ n: string }>(COUNT_ISSUED);
    const cases = [
      { name: BARE, url: `${bareServer.url}/embed`, withCookie: false, timing: bare },
      { name: FLOOR, url: `${bareServer.url}/floor`, withCookie: false, timing: bare },
      { name: EMBED, url: embedUrl, withCookie: true, timing: gateway.app },
      {
        name: "GET /api/me, logged in",
        url: `${gateway.server.url}/api/me`,
        withCookie: true,
        timing: gateway.app,
      },
    ];
    const summary: string[] = [];
    for (const c of clientCounts) {
      const measured: Array<Record<string, ClientResult & { cpuUs: number }>> = [];
      for (let round = 1; round <= rounds; round++) {
        console.log(
          `${c} client${c > 1 ? "s" : ""}, ${seconds} s each in ${slices} turn${slices > 1 ? "s" : ""}, round ${round} of ${rounds}`,
        );
        for (const { url, withCookie } of cases)
          await loadClient("get", url, withCookie ? cookie : "-", String(c), warmUp);
        const runs = new Map(
          cases.map(({ name }) => [name, { results: [] as ClientResult[], cpuUs: 0, serverMs: 0 }]),
        );
        for (let slice = 0; slice < slices; slice++) {
          // A rotating order: no load always runs first, or always after the same one.
          for (const k of cases.keys()) {
            const { name, url, withCookie, timing } = cases[(k + slice + round) % cases.length]!;
            const run = runs.get(name)!;
            timing.reset();
            const cpuBefore = process.cpuUsage();
            run.results.push(
              await loadClient("get", url, withCookie ? cookie : "-", String(c), sliceSeconds),
            );
            const cpu = process.cpuUsage(cpuBefore);
            run.cpuUs += cpu.user + cpu.system;
            run.serverMs += timing.totals().ms;
          }
        }
        const rows: Record<string, ClientResult & { cpuUs: number }> = {};
        for (const { name } of cases) {
          const run = runs.get(name)!;
          const result = mergeResults(run.results);
          rows[name] = { ...result, cpuUs: run.cpuUs / result.count };
          console.log(formatRow(name, result, run.serverMs / result.count, run.cpuUs / result.count));
        }
        const { bare: b, floor: f, embed: e } = pick(rows);
        console.log(
          `  → embed / (bare + its I/O): ${(e.perSecond / f.perSecond).toFixed(2)} (target ≥ 0.8 at 8 clients), p99 ${e.p99Ms.toFixed(2)} ms (target ≤ 10 ms)`,
        );
        console.log(
          `    ratio (embed / bare): throughput ${(e.perSecond / b.perSecond).toFixed(2)}, p99 ${(e.p99Ms / b.p99Ms).toFixed(1)}× the bare handler's; bare + its I/O alone / bare: ${(f.perSecond / b.perSecond).toFixed(2)}`,
        );
        console.log(
          `    server CPU per request (this process, steadier than throughput on a shared machine): embed ${(e.cpuUs / b.cpuUs).toFixed(1)}× the bare handler's, ${(e.cpuUs / f.cpuUs).toFixed(1)}× bare + its I/O\n`,
        );
        measured.push(rows);
      }
      // The round whose ratio is the median stands for this load; the others give the spread.
      const ratios = measured.map((rows) => pick(rows).embed.perSecond / pick(rows).floor.perSecond);
      const order = ratios.map((r, i) => [r, i] as const).sort((x, y) => x[0] - y[0]);
      const { bare: b, floor: f, embed: e } = pick(measured[order[Math.floor(order.length / 2)]![1]]!);
      summary.push(
        `  ${String(c).padStart(5)} | ${b.perSecond.toFixed(0).padStart(10)} | ${f.perSecond.toFixed(0).padStart(11)} | ${e.perSecond.toFixed(0).padStart(11)} | ${(e.perSecond / f.perSecond).toFixed(2).padStart(11)} | ${e.p50Ms.toFixed(2).padStart(12)} | ${e.p99Ms.toFixed(2).padStart(12)} | ${ratios.map((r) => r.toFixed(2)).join(", ")}`,
      );
    }
    console.log(
      "\nMedian round (by embed/floor) at each load, and the ratio of every round:\n" +
        "clients | bare req/s | floor req/s | embed req/s | embed/floor | embed p50 ms | embed p99 ms | embed/floor per round",
    );
    for (const line of summary) console.log(line);
    const auditAfter = await db.query<{ n: string }>(COUNT_ISSUED);
    console.log(
      `audit rows written during the run: ${Number(auditAfter.rows[0]!.n) - Number(auditBefore.rows[0]!.n)} (one per URL issued)`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop(1000)));
    await stores.close();
  }
}
