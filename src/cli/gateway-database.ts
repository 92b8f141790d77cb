import path from "node:path";
import type { Config } from "../config.js";
import { ConfigError, UpstreamError } from "../errors.js";
import { describeDatabase, openDatabase, type Database } from "../storage/database.js";
import { migrate } from "../storage/migrations.js";

/** The gateway database as messages name it: its host and name (never its password), or PGlite's folder. */
export function gatewayDatabaseTarget(config: Config): string {
  return describeDatabase(config.database.url, path.join(config.dataDir, "gateway"));
}

/**
 * The gateway database as the running gateway opens it (Postgres, or the demo's PGlite), reached but not
 * migrated: `pilotage migrate` reports what it applies. In production only Postgres: a grant or a verified
 * dashboard written into a local PGlite would be lost work that looks done.
 */
export async function connectGatewayDatabase(config: Config): Promise<Database> {
  if (config.env === "production" && !config.database.url) {
    throw new ConfigError([
      "DATABASE_URL : obligatoire en production (la base de la passerelle : accès, table metabase_objects)",
    ]);
  }
  let db;
  try {
    db = await openDatabase({
      name: "gateway",
      url: config.database.url,
      pgliteDataDir: path.join(config.dataDir, "gateway"),
    });
    await db.ping();
    return db;
  } catch (error) {
    await db?.close().catch(() => {});
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
    throw new UpstreamError(
      "database",
      `Impossible de joindre la base de la passerelle (${gatewayDatabaseTarget(config)}) : ${reason}. ` +
        "Vérifiez que Postgres tourne et la variable DATABASE_URL.",
      error,
    );
  }
}

/** The gateway database, reached and migrated: what every other command works on. */
export async function openGatewayDatabase(config: Config): Promise<Database> {
  const db = await connectGatewayDatabase(config);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
