import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import { createApp, type AppDeps } from "../../src/app.js";
import type { Config } from "../../src/config.js";
import { createLogger, type Logger } from "../../src/logging.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { loadCatalog, type Catalog } from "../../src/catalog/index.js";
import { ensureDemoGrants } from "../../src/demo/grants.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import type { PlacementRules } from "../../src/perimeter/placement.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { testConfig, testServices } from "./services.js";
import { openTestWarehouse } from "./warehouse-database.js";

let content: Promise<{ catalog: Catalog; placementRules: PlacementRules }> | undefined;

/** The repository's catalogue and the demo placement rules (the demo provider's accounts), loaded once. */
export function testContent(): Promise<{ catalog: Catalog; placementRules: PlacementRules }> {
  content ??= (async () => ({
    catalog: await loadCatalog(PROJECT_ROOT),
    placementRules: await loadPlacementRules(PROJECT_ROOT, { demo: true }),
  }))();
  return content;
}

/** Collects every log line, so tests can assert what reached (or never reached) the logs. */
export function captureLogger(level = "info"): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

export interface TestStack {
  deps: AppDeps;
  close(): Promise<void>;
}

/**
 * The gateway's dependencies on the real test services: Postgres for the gateway database and the
 * warehouse, Redis for sessions and limits. Each stack gets its own Redis logical database prefix-free.
 */
export async function openTestStack(
  options: {
    config?: Config;
    logger?: Logger;
    redis?: Redis | "none";
    db?: Database;
    warehouse?: Database;
  } = {},
): Promise<TestStack> {
  const config =
    options.config ??
    testConfig({
      REDIS_URL: testServices.redisUrl,
      DATABASE_URL: testServices.databaseUrl,
      WAREHOUSE_URL: testServices.warehouseUrl,
    });
  const logger = options.logger ?? createLogger("silent");
  const ownRedis = options.redis === undefined;
  const redis = options.redis === "none" ? undefined : (options.redis ?? openRedis(testServices.redisUrl));
  if (redis) await waitForRedis(redis);
  const ownDb = !options.db;
  const db =
    options.db ??
    (await openDatabase({ name: "gateway", url: testServices.databaseUrl, pgliteDataDir: "memory://" }));
  await migrate(db);
  await ensureDemoGrants(db);
  const ownWarehouse = !options.warehouse;
  const warehouse = options.warehouse ?? (await openTestWarehouse());
  const deps: AppDeps = { config, logger, db, warehouse, redis, ...(await testContent()) };
  return {
    deps,
    async close() {
      if (ownDb) await db.close();
      if (ownWarehouse) await warehouse.close();
      if (ownRedis) redis?.disconnect();
    },
  };
}

export function buildApp(stack: TestStack) {
  return createApp(stack.deps);
}
