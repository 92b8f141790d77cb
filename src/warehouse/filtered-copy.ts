import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../project-root.js";
import type { Database, Executor } from "../storage/database.js";
import {
  WAREHOUSE_SCHEMA,
  WAREHOUSE_TABLES,
  type PerimeterAttribute,
  type WarehouseTable,
} from "./tables.js";

/**
 * The warehouse as one perimeter sees it, built generically from the perimeter-column map of tables.ts,
 * for the leak check of `pilotage test`: inside a transaction that is always rolled back, the schema
 * `entrepot` is renamed and replaced by views holding only the perimeter's rows. The very same SQL
 * (fully qualified names included, as Metabase's field filters write them) then reads the filtered copy.
 * Nothing is ever committed, and other sessions keep seeing the whole warehouse.
 */

/** Where the whole warehouse sits while a filtered copy stands in for it. */
export const FULL_SCHEMA = `${WAREHOUSE_SCHEMA}_complet`;

export interface PerimeterFilter {
  attribute: PerimeterAttribute;
  /** Lock values as they go into the token: codes, labels, a région name, ids as text. */
  values: readonly string[];
}

function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ")}]::text[]`;
}

/**
 * Which rows of `table` belong to the perimeter: for each filter the table can answer, one of its declared
 * columns holds one of the values (filters combine with AND, columns of one attribute with OR). A network
 * is its members: a table with structure columns but no network column keeps its members' rows.
 */
export function perimeterCondition(
  table: WarehouseTable,
  filters: readonly PerimeterFilter[],
): string | null {
  const parts: string[] = [];
  for (const filter of filters) {
    if (filter.values.length === 0) throw new Error(`empty perimeter filter on ${filter.attribute}`);
    const values = textArray(filter.values);
    const columns = table.perimeter[filter.attribute];
    if (columns && columns.length > 0) {
      parts.push(`(${columns.map((c) => `${c}::text = ANY (${values})`).join(" OR ")})`);
    } else if (filter.attribute === "reseau" && table.perimeter.structures) {
      const members = `SELECT id_structure FROM ${FULL_SCHEMA}.reseaux_adherents WHERE id_institution::text = ANY (${values})`;
      parts.push(`(${table.perimeter.structures.map((c) => `${c} IN (${members})`).join(" OR ")})`);
    }
  }
  return parts.length > 0 ? parts.join(" AND ") : null;
}

/** The statements that swap the warehouse for the perimeter's filtered copy (inside a transaction). */
export function filteredCopyStatements(filters: readonly PerimeterFilter[]): string[] {
  return [
    `ALTER SCHEMA ${WAREHOUSE_SCHEMA} RENAME TO ${FULL_SCHEMA}`,
    `CREATE SCHEMA ${WAREHOUSE_SCHEMA}`,
    `CREATE VIEW ${WAREHOUSE_SCHEMA}.metadonnees AS SELECT * FROM ${FULL_SCHEMA}.metadonnees`,
    `CREATE VIEW ${WAREHOUSE_SCHEMA}.chargements AS SELECT * FROM ${FULL_SCHEMA}.chargements`,
    ...WAREHOUSE_TABLES.map((table) => {
      const condition = perimeterCondition(table, filters);
      return (
        `CREATE VIEW ${WAREHOUSE_SCHEMA}.${table.name} AS SELECT * FROM ${FULL_SCHEMA}.${table.name}` +
        (condition ? ` WHERE ${condition}` : "")
      );
    }),
  ];
}

/** Thrown to roll a transaction back on purpose, carrying its result out. */
class RollBack<T> extends Error {
  constructor(readonly result: T) {
    super("rolled back on purpose");
  }
}

/**
 * Runs `work` in a transaction that is always rolled back, with a statement timeout, after `setup`
 * statements. On PGlite and Postgres alike.
 */
export async function inRolledBackTransaction<T>(
  db: Database,
  options: { setup?: readonly string[]; timeoutMs: number },
  work: (tx: Executor) => Promise<T>,
): Promise<T> {
  try {
    await db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(options.timeoutMs))}`);
      for (const statement of options.setup ?? []) await tx.exec(statement);
      throw new RollBack(await work(tx));
    });
  } catch (error) {
    if (error instanceof RollBack) return error.result as T;
    throw error;
  }
  throw new Error("unreachable: the transaction always rolls back");
}

/** `work` on the filtered copy of the warehouse for the perimeter. */
export function inFilteredWarehouse<T>(
  db: Database,
  filters: readonly PerimeterFilter[],
  timeoutMs: number,
  work: (tx: Executor) => Promise<T>,
): Promise<T> {
  return inRolledBackTransaction(db, { setup: filteredCopyStatements(filters), timeoutMs }, work);
}

/**
 * `work` on a hand-made warehouse: the schema of schema.sql holding only the rows of `fixtureSql`
 * (the seeded warehouse, if any, is set aside for the transaction).
 */
export async function inFixtureWarehouse<T>(
  db: Database,
  fixtureSql: string,
  timeoutMs: number,
  work: (tx: Executor) => Promise<T>,
): Promise<T> {
  const exists = await db.query<{ found: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1) AS found",
    [WAREHOUSE_SCHEMA],
  );
  const schema = fs.readFileSync(path.join(PROJECT_ROOT, "src", "warehouse", "schema.sql"), "utf8");
  const setup = [
    ...(exists.rows[0]?.found ? [`ALTER SCHEMA ${WAREHOUSE_SCHEMA} RENAME TO ${FULL_SCHEMA}`] : []),
    schema,
    fixtureSql,
  ];
  return inRolledBackTransaction(db, { setup, timeoutMs }, work);
}
