import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs/promises";
import path from "node:path";
import type { Redis } from "ioredis";
import { runCli } from "../../src/cli/run.js";
import { ensureDemoGrants } from "../../src/demo/grants.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { databaseLimits } from "../../src/storage/postgres-limits.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { ensureDemoWarehouse } from "../../src/warehouse/seed.js";
import { captureLogger } from "../support/app.js";
import { DeliveryLedger } from "../support/audit-ledger.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { browserPerAccount, type Browser } from "../support/login.js";
import { createMetabaseTestServer, type MetabaseTestServer } from "../support/metabase-server/index.js";
import { createDatabase, startPostgres, type PostgresServer } from "../support/postgres-server.js";
import { freePort } from "../support/free-port.js";
import { startRedis } from "../support/redis-server.js";
import { WAREHOUSE_TEST_SCALE } from "../support/root-hooks.js";
import { testServices } from "../support/services.js";
import { startTcpFront, type TcpFront } from "./tcp-front.js";

/**
 * The fault suite's world, started once for all its cases: its own Postgres servers (the gateway
 * database, the warehouse) and its own Redis, which the cases freeze, resume and restart; the Metabase
 * test server behind a TCP front the cases cut; the catalogue applied into it by `pilotage apply`; a
 * listening gateway configured as in production (client-side limits from REQUEST_DEADLINE_SECONDS, an
 * export pool of its own) and the demo provider behind a proxy. Every request of the cases goes through
 * `timed`, which records how long its answer took against its documented limit, and every token or
 * export delivered is written in the ledger matched against the audit log at the end.
 */

/** The request deadline of the suite's gateway: short, so that each fault costs seconds. */
export const DEADLINE_MS = 2_000;
/** What a loaded machine may add to a limit (2 cores shared); a limit that is gone means no answer at all. */
export const SLACK_MS = 3_000;
export const EXPORT_CONCURRENCY = 2;
/** Long, so that a query that was not cancelled would still be there to see. */
export const EXPORT_STATEMENT_TIMEOUT_SECONDS = 30;
export const METABASE_CLI_TIMEOUT_SECONDS = 1;

export const DDETS = "agent.ddets93@demo.pilotage.test";
export const DGEFP = "agent.dgefp@demo.pilotage.test";

export interface Timing {
  fault: string;
  request: string;
  status: number | string;
  ms: number;
  limitMs: number;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  ms: number;
}

export interface FaultEnvironment {
  gatewayPg: PostgresServer;
  warehousePg: PostgresServer;
  /** The gateway database, without limits: the suite's own reads (after a fault is over). */
  gatewayAdmin: Database;
  /** The warehouse, without limits: locks, pg_stat_activity. */
  warehouseAdmin: Database;
  gatewayUrl: string;
  warehouseUrl: string;
  /** The gateway's own connections, with the production limits. */
  db: Database;
  warehouse: Database;
  redis: Redis;
  metabase: MetabaseTestServer;
  /** What the gateway and the CLI know as METABASE_SITE_URL. */
  metabaseFront: TcpFront;
  stack: LoginStack;
  metrics: Metrics;
  logs: string[];
  ledger: DeliveryLedger;
  timings: Timing[];
  url(path: string): string;
  as(email: string): Promise<Browser>;
  /** Sends a request under its limit: fails when no answer comes within limit + slack. */
  timed(
    fault: string,
    request: string,
    limitMs: number,
    send: (signal: AbortSignal) => Promise<Response>,
  ): Promise<Answer>;
  /** Retries `attempt` until it returns true (recovery without a restart of the gateway). */
  eventually(what: string, attempt: () => Promise<boolean>, withinMs?: number): Promise<void>;
  dependencyErrors(dependency: string, kind: string): Promise<number>;
  freezeRedis(): void;
  resumeRedis(): void;
  /** Kills Redis (SIGKILL: nothing flushed on the way out) and starts it again on the same port. */
  restartRedis(options: { appendonly: boolean; keepData: boolean }): Promise<void>;
  apply(extraEnv?: Record<string, string>): Promise<{ code: number; out: string; ms: number }>;
  close(): Promise<void>;
}

export async function startFaultEnvironment(): Promise<FaultEnvironment> {
  const [gatewayPg, warehousePg] = [
    await startPostgres("faults-gateway"),
    await startPostgres("faults-warehouse"),
  ];
  const gatewayUrl = await createDatabase(gatewayPg, "pilotage_gateway");
  const warehouseUrl = await createDatabase(warehousePg, "pilotage_warehouse");
  // Named apart from the gateway's pools (application_name), whose queries the cases look for.
  const gatewayAdmin = await openDatabase({
    name: "faults-admin",
    dependency: "gateway_database",
    url: gatewayUrl,
    pgliteDataDir: "memory://",
  });
  const warehouseAdmin = await openDatabase({
    name: "faults-admin",
    dependency: "warehouse",
    url: warehouseUrl,
    pgliteDataDir: "memory://",
  });
  await Promise.all([
    (async () => (await migrate(gatewayAdmin), await ensureDemoGrants(gatewayAdmin)))(),
    ensureDemoWarehouse(warehouseAdmin, { scale: WAREHOUSE_TEST_SCALE }),
  ]);

  const redisPort = await freePort();
  const redisDir = path.join(testServices.tmpDir, `faults-redis-${process.pid}`);
  await fs.mkdir(redisDir, { recursive: true });
  const redisPidFile = path.join(testServices.tmpDir, `extra-faults-redis-${process.pid}.pid`);
  let redisProcess: ChildProcess = await startRedis(redisPort, { appendonly: true, dir: redisDir });
  await fs.writeFile(redisPidFile, String(redisProcess.pid));
  const redis = openRedis(`redis://127.0.0.1:${redisPort}`);
  await waitForRedis(redis);

  const metabase = await createMetabaseTestServer({
    warehouse: warehouseAdmin,
    warehouseScope: { schemas: ["entrepot"] },
  });
  const metabaseFront = await startTcpFront(metabase.url);
  const secret = metabase.embeddingSecretKey!;

  const limits = databaseLimits(DEADLINE_MS);
  const db = await openDatabase({ name: "gateway", url: gatewayUrl, pgliteDataDir: "memory://", limits });
  const warehouse = await openDatabase({
    name: "warehouse",
    url: warehouseUrl,
    pgliteDataDir: "memory://",
    limits,
    streamPoolSize: EXPORT_CONCURRENCY,
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const captured = captureLogger("info");
  const timings: Timing[] = [];
  const ledger = new DeliveryLedger();
  await ledger.start(gatewayAdmin);

  const apply = async (extraEnv: Record<string, string> = {}) => {
    let out = "";
    const started = performance.now();
    const code = await runCli(["apply"], {
      env: {
        LOG_LEVEL: "silent",
        DATABASE_URL: gatewayUrl,
        WAREHOUSE_URL: warehouseUrl,
        METABASE_SITE_URL: metabaseFront.url,
        METABASE_EMBEDDING_SECRET_KEY: secret,
        METABASE_API_KEY: metabase.adminApiKey,
        METABASE_TIMEOUT_SECONDS: String(METABASE_CLI_TIMEOUT_SECONDS),
        ...extraEnv,
      },
      stdout: (text) => void (out += text),
      stderr: (text) => void (out += text),
    });
    return { code, out, ms: Math.round(performance.now() - started) };
  };
  const applied = await apply({ METABASE_TIMEOUT_SECONDS: "30" });
  assert.equal(applied.code, 0, applied.out);

  const stack = await startLoginStack({
    proxy: true,
    logger: captured.logger,
    redis,
    db,
    warehouse,
    metrics,
    env: {
      REQUEST_DEADLINE_SECONDS: String(DEADLINE_MS / 1000),
      EXPORT_CONCURRENCY: String(EXPORT_CONCURRENCY),
      EXPORT_STATEMENT_TIMEOUT_SECONDS: String(EXPORT_STATEMENT_TIMEOUT_SECONDS),
      METABASE_SITE_URL: metabaseFront.url,
      METABASE_EMBEDDING_SECRET_KEY: secret,
    },
  });
  const browsers = browserPerAccount(() => stack.baseUrl);
  // Warm: the first login of a process discovers the provider and fills the pools; the cases measure faults.
  for (const email of [DDETS, DGEFP]) await browsers(email);

  return {
    gatewayPg,
    warehousePg,
    gatewayAdmin,
    warehouseAdmin,
    gatewayUrl,
    warehouseUrl,
    db,
    warehouse,
    redis,
    metabase,
    metabaseFront,
    stack,
    metrics,
    logs: captured.lines,
    ledger,
    timings,
    url: (p) => `${stack.baseUrl}${p}`,
    async as(email) {
      try {
        return await browsers(email);
      } catch (error) {
        const warnings = captured.lines.filter((l) => /"level":[45]0/.test(l)).slice(-5);
        throw new Error(`${String(error).slice(0, 300)}\nlast warnings:\n${warnings.join("\n")}`);
      }
    },
    async timed(fault, request, limitMs, send) {
      const started = performance.now();
      let response: Response;
      try {
        response = await send(AbortSignal.timeout(limitMs + SLACK_MS));
      } catch (error) {
        const ms = Math.round(performance.now() - started);
        timings.push({ fault, request, status: "no answer", ms, limitMs });
        assert.fail(
          `${fault}: ${request} got no answer within ${limitMs} ms + ${SLACK_MS} ms (${String(error)})`,
        );
      }
      const body = await response.text();
      const ms = Math.round(performance.now() - started);
      timings.push({ fault, request, status: response.status, ms, limitMs });
      assert.ok(response.status !== 500, `${fault}: ${request} answered 500:\n${body.slice(0, 500)}`);
      assert.ok(ms <= limitMs + SLACK_MS, `${fault}: ${request} answered in ${ms} ms, over ${limitMs} ms`);
      return { status: response.status, headers: response.headers, body, ms };
    },
    async eventually(what, attempt, withinMs = 15_000) {
      const started = Date.now();
      while (!(await attempt())) {
        if (Date.now() - started > withinMs) assert.fail(`${what}: not back within ${withinMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async dependencyErrors(dependency, kind) {
      const { values } = await metrics.dependencyErrors.get();
      return values.find((v) => v.labels.dependency === dependency && v.labels.kind === kind)?.value ?? 0;
    },
    freezeRedis: () => void redisProcess.kill("SIGSTOP"),
    resumeRedis: () => void redisProcess.kill("SIGCONT"),
    async restartRedis({ appendonly, keepData }) {
      const exited = once(redisProcess, "exit");
      redisProcess.kill("SIGKILL");
      await exited;
      if (!keepData) {
        await fs.rm(redisDir, { recursive: true, force: true });
        // Their sessions are gone with the data.
        browsers.forgetAll();
      }
      await fs.mkdir(redisDir, { recursive: true });
      redisProcess = await startRedis(redisPort, { appendonly, dir: redisDir });
      await fs.writeFile(redisPidFile, String(redisProcess.pid));
    },
    apply,
    async close() {
      redisProcess.kill("SIGCONT");
      gatewayPg.resume();
      warehousePg.resume();
      await stack.close();
      redis.disconnect();
      await Promise.all([db.close(), warehouse.close(), gatewayAdmin.close(), warehouseAdmin.close()]);
      await metabaseFront.close();
      await metabase.close();
      redisProcess.kill("SIGKILL");
      await fs.rm(redisPidFile, { force: true });
      await Promise.all([gatewayPg.stop(), warehousePg.stop()]);
    },
  };
}

/**
 * The suite's measured answers, as one table (the report's figures come from here): one row per fault,
 * request and status, with how many answers and the slowest.
 */
export function timingTable(timings: readonly Timing[]): string {
  const groups = new Map<string, { timing: Timing; count: number; slowest: number }>();
  for (const t of timings) {
    const key = `${t.fault}\u0000${t.request}\u0000${t.status}`;
    const group = groups.get(key) ?? { timing: t, count: 0, slowest: 0 };
    group.count++;
    group.slowest = Math.max(group.slowest, t.ms);
    groups.set(key, group);
  }
  const rows = [...groups.values()].map(({ timing, count, slowest }) => [
    timing.fault,
    timing.request,
    String(timing.status),
    String(count),
    `${slowest} ms`,
    timing.limitMs ? `${timing.limitMs} ms` : "",
  ]);
  const header = ["fault", "request", "status", "answers", "slowest", "limit"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}
