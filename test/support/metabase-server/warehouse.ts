import pg from "pg";
import type { Database } from "../../../src/storage/database.js";
import { humanize, type WarehouseField, type WarehouseTable } from "./state.js";

/**
 * The warehouse side of the test server: what Metabase's sync would have learned (tables and fields, with
 * ids that stay put across re-syncs), and running a card's SQL the way Metabase's Postgres driver returns it.
 */

const BASE_TYPE_BY_UDT: Record<string, string> = {
  bool: "type/Boolean",
  int2: "type/Integer",
  int4: "type/Integer",
  int8: "type/BigInteger",
  float4: "type/Float",
  float8: "type/Float",
  numeric: "type/Decimal",
  text: "type/Text",
  varchar: "type/Text",
  bpchar: "type/Text",
  name: "type/Text",
  date: "type/Date",
  timestamp: "type/DateTime",
  timestamptz: "type/DateTimeWithLocalTZ",
  time: "type/Time",
  uuid: "type/UUID",
  json: "type/JSON",
  jsonb: "type/JSON",
};

const UDT_BY_OID: Record<number, string> = {
  16: "bool",
  19: "name",
  20: "int8",
  21: "int2",
  23: "int4",
  25: "text",
  114: "json",
  700: "float4",
  701: "float8",
  1042: "bpchar",
  1043: "varchar",
  1082: "date",
  1083: "time",
  1114: "timestamp",
  1184: "timestamptz",
  1700: "numeric",
  2950: "uuid",
  3802: "jsonb",
};

export function baseTypeOf(udt: string): string {
  return BASE_TYPE_BY_UDT[udt] ?? "type/*";
}

export interface WarehouseScope {
  /** Schemas whose tables are exposed; default `public`. */
  schemas?: readonly string[];
  /** When set, only these tables (`schema.table`) are exposed. */
  tables?: readonly string[];
}

/**
 * Reads tables and columns from `information_schema` and numbers them. Ids already given (by a previous
 * sync) are kept, so that cards referring to a field keep working when a table is added, as in Metabase.
 */
export async function syncWarehouseTables(
  db: Database,
  databaseId: number,
  scope: WarehouseScope,
  previous: readonly WarehouseTable[],
  counters: { table: number; field: number },
): Promise<WarehouseTable[]> {
  const schemas = [...(scope.schemas ?? ["public"])];
  const { rows } = await db.query<{
    table_schema: string;
    table_name: string;
    column_name: string;
    udt_name: string;
    ordinal_position: number;
  }>(
    `SELECT c.table_schema, c.table_name, c.column_name, c.udt_name, c.ordinal_position::int AS ordinal_position
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = ANY($1::text[]) AND t.table_type IN ('BASE TABLE', 'VIEW')
      ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
    [schemas],
  );
  const wanted = scope.tables ? new Set(scope.tables) : undefined;
  const oldTables = new Map(previous.map((t) => [`${t.schema}.${t.name}`, t]));
  const tables = new Map<string, WarehouseTable>();
  for (const row of rows) {
    const key = `${row.table_schema}.${row.table_name}`;
    if (wanted && !wanted.has(key)) continue;
    let table = tables.get(key);
    if (!table) {
      const old = oldTables.get(key);
      table = {
        id: old?.id ?? ++counters.table,
        db_id: databaseId,
        schema: row.table_schema,
        name: row.table_name,
        display_name: humanize(row.table_name),
        fields: [],
      };
      tables.set(key, table);
    }
    const oldField = oldTables.get(key)?.fields.find((f) => f.name === row.column_name);
    const baseType = baseTypeOf(row.udt_name);
    const field: WarehouseField = {
      id: oldField?.id ?? ++counters.field,
      table_id: table.id,
      name: row.column_name,
      display_name: humanize(row.column_name),
      database_type: row.udt_name,
      base_type: baseType,
      effective_type: baseType,
      semantic_type: null,
      position: row.ordinal_position - 1,
    };
    table.fields.push(field);
  }
  return [...tables.values()];
}

export interface ResultColumn {
  name: string;
  display_name: string;
  base_type: string;
  effective_type: string;
  database_type: string;
  source: "native";
  field_ref: unknown[];
}

export interface SqlResult {
  cols: ResultColumn[];
  rows: unknown[][];
}

function column(name: string, udt: string): ResultColumn {
  const baseType = baseTypeOf(udt);
  return {
    name,
    display_name: name,
    base_type: baseType,
    effective_type: baseType,
    database_type: udt,
    source: "native",
    field_ref: ["field", name, { "base-type": baseType }],
  };
}

/** Values as Metabase serialises them: numbers as numbers, dates and timestamps as ISO strings. */
const TYPE_PARSERS: Record<number, (text: string) => unknown> = {
  20: (s) => (Number.isSafeInteger(Number(s)) ? Number(s) : s),
  1700: (s) => Number(s),
  1082: (s) => s,
  1083: (s) => s,
  1114: (s) => s.replace(" ", "T"),
  1184: (s) => {
    const iso = s.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? s : date.toISOString().replace(".000Z", "Z");
  },
};

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    const custom = TYPE_PARSERS[oid];
    if (custom && format !== "binary") return custom;
    return pg.types.getTypeParser(oid, format ?? "text");
  },
};

export async function runSql(db: Database, sql: string, values: readonly unknown[]): Promise<SqlResult> {
  if (db.pool) {
    const raw = await db.pool.query({
      text: sql,
      values: [...values],
      rowMode: "array",
      types,
    } as pg.QueryConfig);
    const result = (Array.isArray(raw) ? raw[raw.length - 1] : raw) as pg.QueryResult<unknown[]>;
    return {
      cols: result.fields.map((f) => column(f.name, UDT_BY_OID[f.dataTypeID] ?? "unknown")),
      rows: result.rows,
    };
  }
  // PGlite: the shared interface hands back objects only, so columns are inferred from the first row
  // (an empty result has no columns). Good enough for manual exploration of the demo warehouse.
  const { rows } = await db.query(sql, values);
  const names = rows[0] ? Object.keys(rows[0]) : [];
  return {
    cols: names.map((name) => column(name, inferUdt(rows[0]![name]))),
    rows: rows.map((row) => names.map((name) => row[name])),
  };
}

function inferUdt(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? "int4" : "float8";
  if (typeof value === "boolean") return "bool";
  if (value instanceof Date) return "timestamptz";
  return "text";
}
