import path from "node:path";
import type { Config } from "../config.js";
import { openDatabase, type Database } from "../storage/database.js";
import { migrate } from "../storage/migrations.js";

/** The gateway database as the running gateway opens it (Postgres, or the demo's PGlite), migrated. */
export async function openGatewayDatabase(config: Config): Promise<Database> {
  const db = await openDatabase({
    name: "gateway",
    url: config.database.url,
    pgliteDataDir: path.join(config.dataDir, "gateway"),
  });
  await migrate(db);
  return db;
}
