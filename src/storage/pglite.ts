import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Dependency } from "../errors.js";
import type { Database, Queryable } from "./database.js";
import { columnsOf, copyStatement } from "./statements.js";

/**
 * PGlite, the demo's embedded Postgres. The client-side limits of the Postgres implementation are no-ops
 * here: it runs in the gateway's own thread, so a query cannot be interrupted from outside, and it cannot
 * be frozen or restarted apart from the gateway.
 */
export async function openPglite(dataDir: string, dependency: Dependency): Promise<Database> {
  if (!dataDir.startsWith("memory://")) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const db = await PGlite.create(dataDir);
  const run: Queryable["query"] = async (sql, params) => {
    const result = await db.query(sql, params as unknown[] | undefined);
    return {
      rows: result.rows as never[],
      rowCount: result.affectedRows ?? result.rows.length,
      fields: columnsOf(result.fields),
    };
  };
  return {
    kind: "pglite",
    dependency,
    pool: undefined,
    streamPool: undefined,
    limits: undefined,
    query: run,
    async exec(sql) {
      await db.exec(sql);
    },
    async transaction(work) {
      return db.transaction(async (tx) =>
        work({
          async query(sql, params) {
            const r = await tx.query(sql, params as unknown[] | undefined);
            return {
              rows: r.rows as never[],
              rowCount: r.affectedRows ?? r.rows.length,
              fields: columnsOf(r.fields),
            };
          },
          async exec(sql) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async ping() {
      await db.query("SELECT 1");
    },
    async copyFrom(table, columns, chunks) {
      await db.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([...chunks]) });
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
