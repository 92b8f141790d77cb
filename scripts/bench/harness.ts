/**
 * What the HTTP benchmarks share: load from another process (load-client.ts), so that the client's work
 * does not share the servers' event loop, per-request server time, and a gateway started the way
 * `npm run demo` starts it (the ProConnect-like provider in its process) on throw-away services.
 */
import { execFile } from "node:child_process";
import type { RequestListener } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import type { Express } from "express";
import { createApp, type AppDeps } from "../../src/app.js";
import { proconnectRedirectUris } from "../../src/auth/routes.js";
import { loadCatalog } from "../../src/catalog/index.js";
import { loadConfig, type Config } from "../../src/config.js";
import { inProcessDemoProvider } from "../../src/demo-idp/in-process.js";
import { createLogger } from "../../src/logging.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { openDatabase, type Database, type Queryable } from "../../src/storage/database.js";
import { databaseLimits } from "../../src/storage/postgres-limits.js";
import { migrate } from "../../src/storage/migrations.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { ensureDemoWarehouse } from "../../src/warehouse/seed.js";
import type { Redis } from "ioredis";

const run$ = promisify(execFile);

export interface ClientResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Every request's latency, in ms, sorted: to merge several runs of one load. */
  latenciesMs: number[];
}

/**
 * Runs load-client in its own process: `logins <gatewayUrl> <email> <c> <count>` or
 * `get <url> <cookie|-> <c> <seconds>`. Its compiled sibling when the bench runs compiled (no tsx start-up
 * per run: the embed bench starts dozens), the TypeScript file through tsx otherwise (the smoke tests).
 */
export async function loadClient(...args: string[]): Promise<ClientResult> {
  const compiled = import.meta.url.endsWith(".js");
  const script = compiled
    ? [new URL("./load-client.js", import.meta.url).pathname]
    : ["--import", "tsx", path.join(PROJECT_ROOT, "scripts/bench/load-client.ts")];
  const { stdout } = await run$(process.execPath, [...script, ...args], {
    cwd: PROJECT_ROOT,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as ClientResult;
}

/** Several runs of one load as one: their requests and seconds added up, their latencies merged. */
export function mergeResults(results: readonly ClientResult[]): ClientResult {
  const latenciesMs = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const count = results.reduce((sum, r) => sum + r.count, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const at = (q: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
  return { count, seconds, perSecond: count / seconds, p50Ms: at(0.5), p99Ms: at(0.99), latenciesMs };
}

export interface Timed {
  handler: RequestListener;
  reset(): void;
  meanMs(): number;
  /** The server time and requests added up since the last reset. */
  totals(): { ms: number; count: number };
}

/** Wraps a handler to add up the time the server spends on each request, from arrival to last byte. */
export function timed(handler: RequestListener): Timed {
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
    totals: () => ({ ms: total, count }),
  };
}

export function requiredEnv(name: string, bench: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`npm run bench -- ${bench}\`.`);
  return value;
}

export interface BenchStores {
  redis: Redis;
  db: Database;
  warehouse: Database;
  close(): Promise<void>;
}

/**
 * The throw-away services scripts/bench.sh started: Redis, the gateway database (migrated) and a demo
 * warehouse at `scale` (0.05 by default: logins place people through its organisations), seeded unless
 * `warehouseUrl` already holds one at that scale (`--warehouse-url`, to run a bench again without
 * seeding scale 10 each time).
 */
export async function openBenchStores(
  bench: string,
  options: { scale?: number; warehouseUrl?: string | undefined } = {},
): Promise<BenchStores> {
  const scale = options.scale ?? 0.05;
  const redis = openRedis(requiredEnv("TEST_REDIS_URL", bench));
  await waitForRedis(redis);
  const setUp = {
    db: await openDatabase({
      name: "gateway",
      url: requiredEnv("TEST_DATABASE_URL", bench),
      pgliteDataDir: "",
    }),
    warehouse: await openDatabase({
      name: "warehouse",
      url: options.warehouseUrl ?? requiredEnv("TEST_WAREHOUSE_URL", bench),
      pgliteDataDir: "",
    }),
  };
  await migrate(setUp.db);
  console.error(`Entrepôt de démonstration (échelle ${scale.toLocaleString("fr-FR")})…`);
  const seeding = performance.now();
  const demo = await ensureDemoWarehouse(setUp.warehouse, { scale });
  console.error(
    demo.reused
      ? "  déjà rempli à cette échelle : réutilisé"
      : `  rempli en ${((performance.now() - seeding) / 1000).toFixed(0)} s (${demo.report!.totalRows.toLocaleString("fr-FR")} lignes)`,
  );
  await Promise.all([setUp.db.close(), setUp.warehouse.close()]);
  // The gateway's own connections as src/main.ts opens them: with the client-side limits of production.
  const limits = databaseLimits(loadConfig({}).limits.requestDeadlineMs);
  const db = await openDatabase({
    name: "gateway",
    url: requiredEnv("TEST_DATABASE_URL", bench),
    pgliteDataDir: "",
    limits,
  });
  const warehouse = await openDatabase({
    name: "warehouse",
    url: options.warehouseUrl ?? requiredEnv("TEST_WAREHOUSE_URL", bench),
    pgliteDataDir: "",
    limits,
  });
  return {
    redis,
    db,
    warehouse,
    close: async () => {
      await db.close();
      await warehouse.close();
      redis.disconnect();
    },
  };
}

/**
 * What a commit costs on this Postgres, said in every bench that writes: the audit row's price depends
 * on it (`--durable` starts Postgres as production runs it).
 */
export async function describeDurability(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ fsync: string; synchronous_commit: string }>(
    "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
  );
  const { fsync, synchronous_commit: synchronous } = rows[0]!;
  return fsync === "on" && synchronous === "on"
    ? "durable Postgres (fsync=on, synchronous_commit=on: every commit waits for the disk, as in production)"
    : `Postgres WITHOUT durability (fsync=${fsync}, synchronous_commit=${synchronous}, as the tests run it; --durable for production's)`;
}

export interface BenchGateway {
  server: RunningServer;
  config: Config;
  app: Timed;
}

/**
 * The whole gateway, silent, listening on a free port, with the demo provider mounted in its process:
 * its PUBLIC_URL must be known before the app is built, hence the listener set after `listen`.
 */
export async function startBenchGateway(
  deps: Pick<AppDeps, "db" | "warehouse" | "redis">,
  env: Record<string, string> = {},
  extra: Pick<AppDeps, "metrics" | "resultCache"> = {},
): Promise<BenchGateway> {
  let handler: RequestListener | undefined;
  const server = await startServer((req, res) => handler!(req, res), 0, "127.0.0.1");
  const baseConfig = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    PUBLIC_URL: server.url,
    SESSION_SECRET: "bench-session-secret-that-is-long-enough-0123456789",
    LOGIN_RATE_LIMIT_PER_MINUTE: "1000000",
    ...(deps.redis ? { REDIS_URL: requiredEnv("TEST_REDIS_URL", "its name") } : {}),
    ...env,
  });
  const demo = inProcessDemoProvider(baseConfig, proconnectRedirectUris(server.url))!;
  const app: Express = createApp({
    ...deps,
    ...extra,
    config: demo.config,
    logger: createLogger("silent"),
    demoIdentityProvider: demo.mount,
    catalog: await loadCatalog(PROJECT_ROOT),
    placementRules: await loadPlacementRules(PROJECT_ROOT, { demo: true }),
  });
  const timing = timed(app);
  handler = timing.handler;
  return { server, config: demo.config, app: timing };
}

export function formatRow(name: string, result: ClientResult, serverMs?: number, cpuUs?: number): string {
  const server =
    serverMs === undefined ? "" : `   server ${(serverMs * 1000).toFixed(0).padStart(5)} µs/request`;
  const cpu = cpuUs === undefined ? "" : `   CPU ${cpuUs.toFixed(0).padStart(4)} µs/request`;
  return `  ${name.padEnd(28)} ${result.perSecond.toFixed(0).padStart(6)} req/s${server}${cpu}   p50 ${result.p50Ms.toFixed(2)} ms   p99 ${result.p99Ms.toFixed(2)} ms`;
}
