/**
 * `npm run bench -- embed [--seconds 5] [--concurrency 8]`
 *
 * Requests per second and latency (p50, p99) of `GET /api/dashboards/:key/embed` for a logged-in DDETS
 * agent — session lookup in Redis, profile, access check, verified-id lookup and audit row in Postgres,
 * signature — against a bare Express handler answering a JSON body of the same size, measured in the same
 * run, at 1 and N concurrent clients. Target: throughput ratio ≥ 0.5.
 *
 * The load comes from scripts/bench/login-client.ts in another process. No Metabase is needed: the
 * endpoint never calls it (the dashboard id comes from `metabase_objects`, recorded here as `apply` would).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import express from "express";
import { createApp } from "../../src/app.js";
import { writeAudit } from "../../src/audit/audit-log.js";
import { proconnectRedirectUris } from "../../src/auth/routes.js";
import { loadCatalog } from "../../src/catalog/index.js";
import { loadConfig } from "../../src/config.js";
import { inProcessDemoProvider } from "../../src/demo-idp/in-process.js";
import { ensureDemoGrants } from "../../src/demo/grants.js";
import { createLogger } from "../../src/logging.js";
import { markVerified, recordBinding } from "../../src/metabase/object-map.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { openDatabase } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { ensureDemoWarehouse } from "../../src/warehouse/seed.js";
import { sessionKeyOf } from "../../test/support/auth-stack.js";
import { loginAs } from "../../test/support/login.js";

const EMAIL = "agent.ddets93@demo.pilotage.test";
const DASHBOARD = "candidatures-recues-par-les-siae";
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

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`npm run bench -- embed\`.`);
  return value;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "5" },
      concurrency: { type: "string", default: "8" },
    },
  });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const redisUrl = required("TEST_REDIS_URL");

  const redis = openRedis(redisUrl);
  await waitForRedis(redis);
  const db = await openDatabase({ name: "gateway", url: required("TEST_DATABASE_URL"), pgliteDataDir: "" });
  await migrate(db);
  await ensureDemoGrants(db);
  const warehouse = await openDatabase({
    name: "warehouse",
    url: required("TEST_WAREHOUSE_URL"),
    pgliteDataDir: "",
  });
  console.error("Entrepôt de démonstration (échelle 0,05)…");
  await ensureDemoWarehouse(warehouse, { scale: 0.05 });
  const catalog = await loadCatalog(PROJECT_ROOT);
  const dashboard = catalog.dashboards.find((d) => d.key === DASHBOARD)!;
  // What `pilotage apply` records once it has verified the dashboard's lock contract in Metabase.
  await recordBinding(db, {
    model: "dashboard",
    key: dashboard.key,
    metabaseId: 42,
    entityId: null,
    contentVersion: dashboard.contentVersion,
    embeddingParams: { departement: "locked" },
  });
  await markVerified(db, dashboard.key, dashboard.contentVersion);

  let gatewayHandler: express.Express | undefined;
  const gateway = await startServer((req, res) => gatewayHandler!(req, res), 0, "127.0.0.1");
  const baseConfig = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    PUBLIC_URL: gateway.url,
    SESSION_SECRET: "bench-session-secret-that-is-long-enough-0123456789",
    LOGIN_RATE_LIMIT_PER_MINUTE: "1000000",
    REDIS_URL: redisUrl,
    METABASE_SITE_URL: "http://metabase.invalid:3000",
    METABASE_EMBEDDING_SECRET_KEY: "ab".repeat(32),
  });
  const demo = inProcessDemoProvider(baseConfig, proconnectRedirectUris(gateway.url))!;
  gatewayHandler = createApp({
    config: demo.config,
    logger: createLogger("silent"),
    db,
    warehouse,
    redis,
    demoIdentityProvider: demo.mount,
    catalog,
    placementRules: await loadPlacementRules(PROJECT_ROOT, { demo: true }),
  });

  const browser = await loginAs(gateway.url, EMAIL);
  const cookie = browser.jar.headerFor(new URL(gateway.url));
  const embedUrl = `${gateway.url}/api/dashboards/${DASHBOARD}/embed`;
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
    const stored = await redis.get(sessionKey);
    if (stored === null) throw new Error("the bench session is gone");
    await writeAudit(db, {
      action: "embed.token_issued",
      resource: { kind: "dashboard", key: DASHBOARD, id: "42" },
      lockedValues: { departement: ["93"] },
      details: { bench: "floor" },
    });
    res.setHeader("Cache-Control", "no-store");
    res.type("json").send(body);
  });
  const bare = await startServer(bareApp, 0, "127.0.0.1");
  const servers: RunningServer[] = [gateway, bare];

  try {
    console.log(
      `embed bench — Node ${process.version}, sessions in Redis, audit log in Postgres, load from another process`,
    );
    console.log(
      `GET /api/dashboards/${DASHBOARD}/embed (${body.length} bytes) vs a bare Express handler sending the same body\n`,
    );
    const auditBefore = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'embed.token_issued' AND NOT details ? 'bench'",
    );
    for (const c of [1, concurrency]) {
      console.log(`${c} client${c > 1 ? "s" : ""}, ${seconds} s each`);
      const rows: ClientResult[] = [];
      for (const [name, url, withCookie] of [
        ["bare Express handler", `${bare.url}/embed`, false],
        ["bare + Redis GET + INSERT", `${bare.url}/floor`, false],
        ["GET /api/me, logged in", `${gateway.url}/api/me`, true],
        ["GET …/embed, logged in", embedUrl, true],
      ] as const) {
        await client("get", url, withCookie ? cookie : "-", String(c), "1"); // warm-up
        const result = await client("get", url, withCookie ? cookie : "-", String(c), String(seconds));
        rows.push(result);
        console.log(
          `  ${name.padEnd(24)} ${result.perSecond.toFixed(0).padStart(6)} req/s   p50 ${result.p50Ms.toFixed(2)} ms   p99 ${result.p99Ms.toFixed(2)} ms`,
        );
      }
      const [b, f, , e] = rows as [ClientResult, ClientResult, ClientResult, ClientResult];
      console.log(
        `  → ratio (embed / bare): throughput ${(e.perSecond / b.perSecond).toFixed(2)} (target ≥ 0.5), p99 ${(e.p99Ms / b.p99Ms).toFixed(1)}× the bare handler's`,
      );
      console.log(
        `    (bare + its I/O alone / bare: ${(f.perSecond / b.perSecond).toFixed(2)}; embed / bare + its I/O: ${(e.perSecond / f.perSecond).toFixed(2)})\n`,
      );
    }
    const auditAfter = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'embed.token_issued' AND NOT details ? 'bench'",
    );
    console.log(
      `audit rows written during the run: ${Number(auditAfter.rows[0]!.n) - Number(auditBefore.rows[0]!.n)} (one per URL issued)`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop(1000)));
    await db.close();
    await warehouse.close();
    redis.disconnect();
  }
}
