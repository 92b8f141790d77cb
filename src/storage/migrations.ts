import fs from "node:fs/promises";
import path from "node:path";
import type { Database } from "./database.js";
import { PROJECT_ROOT } from "../project-root.js";

/**
 * A very small migration runner: numbered SQL files in `migrations/`, applied in order, each in its own
 * transaction, recorded in `schema_migrations`. node-pg-migrate and friends need a `pg` client and cannot
 * drive PGlite; the same plain SQL files run unchanged on both implementations. On a real Postgres an
 * advisory lock serialises concurrent start-ups of several gateway processes.
 */
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "migrations");

const MIGRATION_FILE = /^(\d{3,})-[a-z0-9-]+\.sql$/;
const LOCK_KEY = 724_011_927;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = (await fs.readdir(dir)).filter((name) => MIGRATION_FILE.test(name)).sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    if (db.kind === "postgres") {
      // A migration may take longer than the statement limit of the gateway's queries (src/main.ts runs
      // it under a deadline of its own), and waits here while another process migrates.
      await tx.query("SET LOCAL statement_timeout = 0");
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    }
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await tx.query<{ name: string }>("SELECT name FROM schema_migrations")).rows.map((r) => r.name),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await fs.readFile(path.join(dir, file), "utf8");
      await tx.exec(sql);
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file]);
      applied.push(file);
    }
  });
  return { applied, alreadyApplied: files.length - applied.length };
}
