import path from "node:path";
import type { Config } from "../config.js";
import { UpstreamError } from "../errors.js";
import { describeDatabase, openDatabase, type Database } from "../storage/database.js";

/** The warehouse a command works on: --database-url, else WAREHOUSE_URL, else the PGlite of DATA_DIR/warehouse. */
export interface WarehouseTarget {
  url: string | undefined;
  pgliteDir: string;
  /** As messages name it: its host and name (never its password), or PGlite's folder. */
  description: string;
}

export function warehouseTarget(config: Config, databaseUrl: string | undefined): WarehouseTarget {
  const url = databaseUrl ?? config.warehouse.url;
  const pgliteDir = path.join(config.dataDir, "warehouse");
  return { url, pgliteDir, description: describeDatabase(url, pgliteDir) };
}

/**
 * The warehouse, reached: `pilotage seed` and `pilotage test` stop here, with where they looked and what
 * to check, rather than on their first query.
 */
export async function connectWarehouse(target: WarehouseTarget): Promise<Database> {
  let db;
  try {
    db = await openDatabase({ name: "warehouse", url: target.url, pgliteDataDir: target.pgliteDir });
    await db.ping();
    return db;
  } catch (error) {
    await db?.close().catch(() => {});
    throw new UpstreamError(
      "warehouse",
      `Impossible de joindre l'entrepôt (${target.description}) : ${error instanceof Error ? error.message : String(error)}. ` +
        "Vérifiez que Postgres tourne et l'adresse passée à --database-url ou WAREHOUSE_URL.",
      error,
    );
  }
}
