import { parseArgs } from "node:util";
import { loadConfig } from "../../../src/config.js";
import { openDatabase } from "../../../src/storage/database.js";
import { createFreshMetabaseTestServer } from "./fresh.js";

/**
 * `npm run metabase:test-server:fresh [-- --version v0.50.3 --port 3001]`: the Metabase test server as a
 * Metabase is after its first start (fresh.ts), for `pilotage metabase bootstrap` outside the tests (the
 * stack without Docker). Cards run against WAREHOUSE_URL's schema entrepot, once the bootstrap has added
 * the warehouse. Never part of the product.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: "string", default: "v0.57.2" },
      port: { type: "string", default: "3001" },
      host: { type: "string", default: "127.0.0.1" },
    },
  });
  const config = loadConfig(process.env, { for: "cli" });
  if (!config.warehouse.url)
    throw new Error("WAREHOUSE_URL is required: the warehouse the cards run against");
  const warehouse = await openDatabase({
    name: "warehouse",
    url: config.warehouse.url,
    pgliteDataDir: "memory://",
  });
  const server = await createFreshMetabaseTestServer({
    version: values.version,
    warehouse,
    warehouseScope: { schemas: ["entrepot"] },
    port: Number(values.port),
    host: values.host,
  });
  console.log(
    `\nFresh Metabase test server (pretending to be ${values.version}) on ${server.url}: no user yet.\n` +
      `Set it up: METABASE_INTERNAL_URL=${server.url} METABASE_ADMIN_EMAIL=… METABASE_WAREHOUSE_URL=… pilotage metabase bootstrap\n` +
      "Ctrl-C stops it.\n",
  );
  const stop = async () => {
    await server.close();
    await warehouse.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
