import { openDatabase, type Database } from "../../src/storage/database.js";
import { createTestDatabase, testServices } from "./services.js";

/**
 * The shared test warehouse (TEST_WAREHOUSE_URL), which the root hooks seed with the demo's data before
 * any test. Suites only read it; close it when done.
 */
export function openTestWarehouse(): Promise<Database> {
  return openDatabase({ name: "warehouse", url: testServices.warehouseUrl, pgliteDataDir: "memory://" });
}

export interface FreshWarehouse {
  db: Database;
  /** For the CLI and the servers the suite starts on the same database. */
  url: string;
  /** Drops the database; close `db` first. */
  drop(): Promise<void>;
}

/** A fresh, empty Postgres warehouse database, opened, for suites that write their own tables to it. */
export async function openFreshWarehouse(prefix: string): Promise<FreshWarehouse> {
  const created = await createTestDatabase(prefix);
  const db = await openDatabase({ name: "warehouse", url: created.url, pgliteDataDir: "memory://" });
  return { db, url: created.url, drop: created.drop };
}
