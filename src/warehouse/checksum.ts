import type { Queryable } from "../storage/database.js";
import { ANNUAIRE_SCHEMA, MEMBERS_TABLE, WAREHOUSE_SCHEMA, WAREHOUSE_TABLES } from "./tables.js";

export interface TableChecksum {
  rows: number;
  /** md5 over the md5 of every row's text form, in hash order: independent of physical order and collation. */
  md5: string;
}

/**
 * One checksum per table (the warehouse's, then les emplois' members): equal checksums mean equal
 * contents, on Postgres and PGlite alike.
 */
export async function tableChecksums(db: Queryable): Promise<Record<string, TableChecksum>> {
  const result: Record<string, TableChecksum> = {};
  const tables = [
    ...WAREHOUSE_TABLES.map((table) => [WAREHOUSE_SCHEMA, table.name] as const),
    [ANNUAIRE_SCHEMA, MEMBERS_TABLE.name] as const,
  ];
  for (const [schema, name] of tables) {
    const { rows } = await db.query<{ rows: number; md5: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS md5
       FROM (SELECT md5(t::text) COLLATE "C" AS h FROM ${schema}.${name} t) hashed`,
    );
    result[name] = { rows: rows[0]!.rows, md5: rows[0]!.md5 };
  }
  return result;
}
