import { runCli, type CliIo } from "../../../src/cli/run.js";
import { seedWarehouse } from "../../../src/warehouse/seed.js";
import { openMigratedGateway } from "../../support/gateway-database.js";
import { createMetabaseTestServer, type MetabaseTestServer } from "../../support/metabase-server/index.js";
import { openFreshWarehouse } from "../../support/warehouse-database.js";

export interface MetabaseStack {
  metabase: MetabaseTestServer;
  /** What the demo server needs to embed from this Metabase (added to its embedded defaults). */
  demoEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The product with Metabase configured, as far as this machine allows: the Metabase test server
 * (test/support/metabase-server/) running card SQL against a seeded Postgres warehouse, and the catalogue
 * (sql/, metabase-config/) applied to it by `pilotage apply`, which records the key → id mapping in a
 * Postgres gateway database. The demo server then runs on that warehouse and that gateway database.
 */
export async function startMetabaseStack(): Promise<MetabaseStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const warehouseDb = await openFreshWarehouse("browser_wh");
    cleanups.push(() => warehouseDb.drop());
    const gatewayDb = await openMigratedGateway("browser_gw");
    cleanups.push(() => gatewayDb.drop());
    // `pilotage apply` and the demo server reach it through its URL.
    await gatewayDb.db.close();

    const warehouse = warehouseDb.db;
    cleanups.push(() => warehouse.close());
    await seedWarehouse(warehouse);

    const metabase = await createMetabaseTestServer({ warehouse, warehouseScope: { schemas: ["entrepot"] } });
    cleanups.push(() => metabase.close());
    const secret = metabase.embeddingSecretKey;
    if (!secret) throw new Error("the Metabase test server has no embedding secret key");

    const env = {
      LOG_LEVEL: "silent",
      DATABASE_URL: gatewayDb.url,
      WAREHOUSE_URL: warehouseDb.url,
      METABASE_SITE_URL: metabase.url,
      METABASE_EMBEDDING_SECRET_KEY: secret,
      METABASE_API_KEY: metabase.adminApiKey,
    };
    let out = "";
    const io: CliIo = {
      env,
      stdout: (text) => void (out += text),
      stderr: (text) => void (out += text),
    };
    const code = await runCli(["apply"], io);
    if (code !== 0) throw new Error(`pilotage apply into the Metabase test server failed (${code}):\n${out}`);

    return {
      metabase,
      demoEnv: {
        DATABASE_URL: env.DATABASE_URL,
        WAREHOUSE_URL: env.WAREHOUSE_URL,
        METABASE_SITE_URL: env.METABASE_SITE_URL,
        METABASE_EMBEDDING_SECRET_KEY: env.METABASE_EMBEDDING_SECRET_KEY,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
