import { parseArgs } from "node:util";
import { loadConfig } from "../../../src/config.js";
import { openDatabase } from "../../../src/storage/database.js";
import { FIXTURE_SQL, FIXTURE_TABLE } from "./fixture.js";
import { createMetabaseTestServer } from "./index.js";

/**
 * `npm run metabase:test-server [-- --version v0.50.3 --port 3001 --no-embedding]`: the Metabase test server
 * on its own, for manual exploration and benchmarks. It runs card SQL against WAREHOUSE_URL when set (read
 * through the gateway's configuration), else against an in-memory PGlite holding the contract
 * suite's small `contract_structures` table, under the sync's database name (METABASE_WAREHOUSE_DATABASE).
 * Never part of the product.
 */

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: "string", default: "v0.57.2" },
      port: { type: "string", default: "3001" },
      host: { type: "string", default: "127.0.0.1" },
      "secret-key": { type: "string" },
      "no-embedding": { type: "boolean", default: false },
    },
  });
  const config = loadConfig();
  const warehouse = await openDatabase({
    name: "warehouse",
    url: config.warehouse.url,
    pgliteDataDir: "memory://",
  });
  if (!config.warehouse.url) await warehouse.exec(FIXTURE_SQL);
  const server = await createMetabaseTestServer({
    version: values.version,
    warehouse,
    warehouseName: config.metabase.warehouseDatabase,
    embedding: !values["no-embedding"],
    ...(values["secret-key"] ? { embeddingSecretKey: values["secret-key"] } : {}),
    port: Number(values.port),
    host: values.host,
  });
  console.log(
    [
      "",
      `Metabase test server (pretending to be ${server.version.tag}) on ${server.url}`,
      `  warehouse:            ${config.warehouse.url ? "WAREHOUSE_URL" : `in-memory PGlite (table ${FIXTURE_TABLE})`}, database "${config.metabase.warehouseDatabase}" (id ${server.warehouseDatabaseId})`,
      `  admin API key:        ${server.adminApiKey}`,
      `  non-admin API key:    ${server.nonAdminApiKey}`,
      `  embedding secret key: ${server.embeddingSecretKey ?? "(not set)"}`,
      `  admin login:          ${server.admin.email} / ${server.admin.password}`,
      "",
      "For the gateway: METABASE_SITE_URL=" +
        server.url +
        " METABASE_API_KEY=<admin key> METABASE_EMBEDDING_SECRET_KEY=<secret>",
      "Ctrl-C stops it.",
      "",
    ].join("\n"),
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
