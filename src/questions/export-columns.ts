import pg from "pg";

/**
 * What an export knows about each column it writes: the key (the SQL alias, the RFC 4180 CSV header and
 * the JSON column name), the French label (the header of the French CSV and of the XLSX), the kind the
 * question declares (number formats), and the class of its values, read from the Postgres type the
 * query returns. The class decides, identically on every path, which cells the formula-injection rule
 * applies to (text only: numbers, negative ones included, are left alone), which take a decimal comma,
 * and which become numbers or dates in a spreadsheet.
 */

export const COLUMN_KINDS = [
  "count",
  "percentage",
  "euros",
  "etp",
  "days",
  "month",
  "date",
  "identifier",
  "territory",
  "text",
] as const;
export type ColumnKind = (typeof COLUMN_KINDS)[number];

/** A question's description of one column (decision 3 of the brief), as far as exports use it. */
export interface ColumnDescription {
  name: string;
  label: string;
  kind: ColumnKind;
  percentScale?: "ratio" | "percent";
  unit?: string;
  decimals?: number;
}

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
  /** The question's French label; the key itself while the question does not describe the column. */
  label: string;
  /** Undefined while the question does not describe the column: formats then follow the value class. */
  kind: ColumnKind | undefined;
  valueClass: ValueClass;
  percentScale?: "ratio" | "percent";
  unit?: string;
  decimals?: number;
}

/**
 * The columns of a result (Postgres' row description: names and type oids; a domain arrives as its base
 * type) joined with the question's descriptions by name.
 */
export function exportColumns(
  fields: ReadonlyArray<{ name: string; dataTypeID: number }>,
  described: readonly ColumnDescription[],
): ExportColumn[] {
  return fields.map((field) => {
    const description = described.find((d) => d.name === field.name);
    return {
      name: field.name,
      label: description?.label ?? field.name,
      kind: description?.kind,
      valueClass: valueClass(field.dataTypeID),
      ...(description?.percentScale ? { percentScale: description.percentScale } : {}),
      ...(description?.unit ? { unit: description.unit } : {}),
      ...(description?.decimals !== undefined ? { decimals: description.decimals } : {}),
    };
  });
}
