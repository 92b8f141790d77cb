import path from "node:path";
import { ConfigError, type Config } from "../config.js";
import { openDatabase, type Database } from "../storage/database.js";
import { migrate } from "../storage/migrations.js";

/**
 * The gateway database as the running gateway opens it (Postgres, or the demo's PGlite), migrated. In
 * production only Postgres: a grant or a verified dashboard written into a local PGlite would be lost
 * work that looks done.
 */
export async function openGatewayDatabase(config: Config): Promise<Database> {
  if (config.env === "production" && !config.database.url) {
    throw new ConfigError([
      "DATABASE_URL : obligatoire en production (la base de la passerelle : accès, table metabase_objects)",
    ]);
  }
  const db = await openDatabase({
    name: "gateway",
    url: config.database.url,
    pgliteDataDir: path.join(config.dataDir, "gateway"),
  });
  await migrate(db);
  return db;
}
