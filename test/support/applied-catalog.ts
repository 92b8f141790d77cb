import assert from "node:assert/strict";
import { runCli } from "../../src/cli/run.js";
import type { MetabaseTestServer } from "./metabase-server/index.js";
import { testServices } from "./services.js";

/**
 * `pilotage apply` of the catalogue (sql/, metabase-config/) into the Metabase test server, over the test
 * warehouse, recording the key → id mapping in the gateway database at `gatewayUrl`. Fails the suite with
 * the CLI's output when it does not exit 0; returns that output for suites that check what it prints.
 */
export async function applyCatalog(gatewayUrl: string, metabase: MetabaseTestServer): Promise<string> {
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
