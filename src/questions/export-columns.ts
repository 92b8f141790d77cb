import pg from "pg";
import { columnDecimals, columnHeader } from "../catalog/columns.js";
import type { ColumnKind, QuestionColumn } from "../catalog/index.js";

/**
 * What an export knows about each column it writes: the key (the SQL alias, the RFC 4180 CSV header and
 * the JSON column name), the French header (of the French CSV and of the XLSX: src/catalog/columns.ts),
 * the kind the question declares (number formats), and the class of its values, read from the Postgres type the
 * query returns. The class decides, identically on every path, which cells the formula-injection rule
 * applies to (text only: numbers, negative ones included, are left alone), which take a decimal comma,
 * and which become numbers or dates in a spreadsheet.
 */

/**
 * `integer` and `decimal` are numbers; `date` and `timestamp` are written by Postgres as ISO text;
 * `plainText` columns (text, varchar) are their own text output; every other type (char(n),
 * enums, json, arrays, intervals, money…) is read through its output function and treated as text.
 */
export type ValueClass = "integer" | "decimal" | "date" | "timestamp" | "boolean" | "plainText" | "text";

const TYPES = pg.types.builtins;

export function valueClass(oid: number): ValueClass {
  switch (oid) {
    case TYPES.INT2:
    case TYPES.INT4:
    case TYPES.INT8:
    case TYPES.OID:
      return "integer";
    case TYPES.NUMERIC:
    case TYPES.FLOAT4:
    case TYPES.FLOAT8:
      return "decimal";
    case TYPES.DATE:
      return "date";
    case TYPES.TIMESTAMP:
    case TYPES.TIMESTAMPTZ:
      return "timestamp";
    case TYPES.BOOL:
      return "boolean";
    case TYPES.TEXT:
    case TYPES.VARCHAR:
      return "plainText";
    default:
      return "text";
  }
}

export function isTextClass(value: ValueClass): boolean {
  return value === "plainText" || value === "text";
}

export interface ExportColumn {
  name: string;
  /**
   * What readers see as header: the question's label, with its unit (« Délai médian de réponse (jours) »,
   * the gateway's tables read the same); the key itself for a column the question does not describe.
   */
  label: string;
  /** Undefined for a column the question does not describe: formats then follow the value class. */
  kind: ColumnKind | undefined;
  valueClass: ValueClass;
  percentScale?: "ratio" | "percent";
  /** The question's decimals, or its kind's default. */
  decimals?: number;
}

/**
 * The columns of a result (Postgres' row description: names and type oids; a domain arrives as its base
 * type) joined with the question's descriptions by name.
 */
export function exportColumns(
  fields: ReadonlyArray<{ name: string; dataTypeID: number }>,
  described: readonly QuestionColumn[],
): ExportColumn[] {
  return fields.map((field) => {
    const description = described.find((d) => d.name === field.name);
    if (!description)
      return {
        name: field.name,
        label: field.name,
        kind: undefined,
        valueClass: valueClass(field.dataTypeID),
      };
    return {
      name: field.name,
      label: columnHeader(description),
      kind: description.kind,
      valueClass: valueClass(field.dataTypeID),
      ...(description.percentScale ? { percentScale: description.percentScale } : {}),
      decimals: columnDecimals(description),
    };
  });
}
