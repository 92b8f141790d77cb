import { openDatabase } from "../../src/storage/database.js";
import { ensureDemoWarehouse } from "../../src/warehouse/seed.js";

/**
 * Mocha root hooks: before any test, the shared test warehouse (TEST_WAREHOUSE_URL) holds the demo's
 * synthetic data at a small scale, so every login can be placed. Skipped when the tests run without
 * services (pure unit tests).
 */
export const WAREHOUSE_TEST_SCALE = 0.05;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    const url = process.env.TEST_WAREHOUSE_URL;
    if (!url) return;
    this.timeout(120_000);
    const db = await openDatabase({ name: "warehouse", url, pgliteDataDir: "memory://" });
    try {
      await ensureDemoWarehouse(db, { scale: WAREHOUSE_TEST_SCALE });
    } finally {
      await db.close();
    }
  },
};
