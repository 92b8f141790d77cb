import { openDatabase, type Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { createTestDatabase, databaseImplementations } from "./services.js";

export interface MigratedGateway {
  db: Database;
  /** For the CLI and the servers the suite starts on the same database. */
  url: string;
  /** Drops the database; close `db` first. */
  drop(): Promise<void>;
}

/** A fresh Postgres gateway database, opened and migrated, for suites that also hand its URL to others. */
export async function openMigratedGateway(prefix: string): Promise<MigratedGateway> {
  const created = await createTestDatabase(prefix);
  const db = await openDatabase({ name: "gateway", url: created.url, pgliteDataDir: "memory://" });
  try {
    await migrate(db);
  } catch (error) {
    // A migration that fails leaves no database behind for the next run to trip on.
    await db.close();
    await created.drop();
    throw error;
  }
  return { db, url: created.url, drop: created.drop };
}

/** `databaseImplementations` (Postgres and PGlite), each opened fresh and migrated. */
export function migratedDatabaseImplementations(
  prefix: string,
): Array<[string, () => Promise<{ db: Database; cleanup(): Promise<void> }>]> {
  return databaseImplementations(prefix).map(([name, open]) => [
    name,
    async () => {
      const opened = await open();
      await migrate(opened.db);
      return opened;
    },
  ]);
}
