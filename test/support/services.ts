import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadConfig, type Config } from "../../src/config.js";
import { openDatabase, type Database } from "../../src/storage/database.js";

/**
 * What `npm test` started (scripts/test-services.sh): real Redis and Postgres on loopback. Tests read
 * their URLs here and nowhere else.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts Redis and Postgres.`);
  }
  return value;
}

export const testServices = {
  get redisUrl() {
    return required("TEST_REDIS_URL");
  },
  get databaseUrl() {
    return required("TEST_DATABASE_URL");
  },
  get warehouseUrl() {
    return required("TEST_WAREHOUSE_URL");
  },
  get postgresUrl() {
    return required("TEST_PG_URL");
  },
  get redisServerBin() {
    return required("TEST_REDIS_SERVER_BIN");
  },
  /** Debian's Postgres binaries (initdb, postgres), for the servers the fault suite starts itself. */
  get postgresBinDir() {
    return required("TEST_PG_BIN_DIR");
  },
  /** Debian's Chromium, driven by the browser journeys (test/browser/). */
  get chromiumBin() {
    return required("TEST_CHROMIUM_BIN");
  },
  get tmpDir() {
    return required("PILOTAGE_TEST_DIR");
  },
};

/** A configuration as the tests want it, built from an env-like record so it goes through loadConfig. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    SESSION_SECRET: "test-session-secret-that-is-long-enough-0123456789",
    ...env,
  });
}

/** A fresh, empty Postgres database for one suite; dropped by the returned `drop`. */
export async function createTestDatabase(prefix = "t"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: `${testServices.postgresUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `${testServices.postgresUrl}/${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: `${testServices.postgresUrl}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * The two implementations of the gateway database, each opened fresh: a real Postgres database (dropped
 * by `cleanup`) and an in-memory PGlite. Suites run their cases on both.
 */
export function databaseImplementations(
  prefix: string,
): Array<[string, () => Promise<{ db: Database; cleanup(): Promise<void> }>]> {
  return [
    [
      "Postgres",
      async () => {
        const fresh = await createTestDatabase(prefix);
        const db = await openDatabase({ name: "gateway", url: fresh.url, pgliteDataDir: "memory://" });
        return { db, cleanup: async () => (await db.close(), await fresh.drop()) };
      },
    ],
    [
      "PGlite",
      async () => {
        const db = await openDatabase({ name: "gateway", url: undefined, pgliteDataDir: "memory://" });
        return { db, cleanup: () => db.close() };
      },
    ],
  ];
}
