import assert from "node:assert/strict";
import { runCli } from "../../src/cli/run.js";
import type { Database } from "../../src/storage/database.js";
import { openMigratedGateway } from "./gateway-database.js";
import {
  createMetabaseTestServer,
  type MetabaseTestServer,
  type MetabaseTestServerOptions,
} from "./metabase-server/index.js";
import { testServices } from "./services.js";

/**
 * `pilotage apply` of the catalogue (sql/, metabase-config/) into the Metabase test server, over the test
 * warehouse, recording the key → id mapping in the gateway database at `gatewayUrl`. Fails the suite with
 * the CLI's output when it does not exit 0; returns that output for suites that check what it prints.
 */
async function applyCatalog(gatewayUrl: string, metabase: MetabaseTestServer): Promise<string> {
  let out = "";
  const code = await runCli(["apply"], {
    env: {
      LOG_LEVEL: "silent",
      DATABASE_URL: gatewayUrl,
      WAREHOUSE_URL: testServices.warehouseUrl,
      METABASE_SITE_URL: metabase.url,
      METABASE_EMBEDDING_SECRET_KEY: metabase.embeddingSecretKey!,
      METABASE_API_KEY: metabase.adminApiKey,
    },
    stdout: (text) => void (out += text),
    stderr: (text) => void (out += text),
  });
  assert.equal(code, 0, out);
  return out;
}

export interface AppliedMetabase {
  /** A fresh gateway database, migrated, holding the catalogue's key → id mapping. */
  gatewayDb: Database;
  metabase: MetabaseTestServer;
  /** What `pilotage apply` printed. */
  applyOutput: string;
  /** Closes the Metabase test server and the gateway database, then drops the database. */
  close(): Promise<void>;
}

/**
 * The Metabase test server over the test warehouse's `entrepot` (`options.warehouse`, opened by
 * `openTestWarehouse`) with the catalogue applied, recorded in a fresh gateway database: what the suites
 * that embed the real dashboards start from. Whatever was started is closed when a step fails.
 */
export async function startAppliedMetabase(
  prefix: string,
  options: Omit<MetabaseTestServerOptions, "warehouseScope">,
): Promise<AppliedMetabase> {
  const gateway = await openMigratedGateway(prefix);
  let metabase: MetabaseTestServer | undefined;
  const close = async () => {
    await metabase?.close();
    await gateway.db.close();
    await gateway.drop();
  };
  try {
    metabase = await createMetabaseTestServer({ ...options, warehouseScope: { schemas: ["entrepot"] } });
    const applyOutput = await applyCatalog(gateway.url, metabase);
    return { gatewayDb: gateway.db, metabase, applyOutput, close };
  } catch (error) {
    await close();
    throw error;
  }
}
