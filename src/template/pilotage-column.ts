import { TemplateError } from "./errors.js";
import type { ColumnType, ResolvedColumn } from "./types.js";

/**
 * Our own field-filter dimension, `["pilotage-column", "schema.table.column"]`: the catalog names warehouse
 * columns instead of Metabase field ids, which only exist once a Metabase instance has synced the warehouse.
 */
export const PILOTAGE_COLUMN = "pilotage-column";

const QUALIFIED_COLUMN = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** `"schema.table.column"` → its parts, or null when it is not exactly three SQL identifiers. */
export function parseQualifiedColumn(text: string): ResolvedColumn | null {
  const m = QUALIFIED_COLUMN.exec(text);
  return m ? { schema: m[1]!, table: m[2]!, column: m[3]! } : null;
}

export function pilotageDimension(qualifiedColumn: string): [typeof PILOTAGE_COLUMN, string] {
  return [PILOTAGE_COLUMN, qualifiedColumn];
}

/**
 * A `resolveField` for RenderOptions that understands `["pilotage-column", "schema.table.column"]`; `types`
 * optionally gives column types by qualified name (see ResolvedColumn.type).
 */
export function resolvePilotageColumn(
  types: Readonly<Record<string, ColumnType>> = {},
): (dimension: unknown) => ResolvedColumn {
  return (dimension) => {
    if (Array.isArray(dimension) && dimension.length === 2 && dimension[0] === PILOTAGE_COLUMN) {
      const name: unknown = dimension[1];
      const column = typeof name === "string" ? parseQualifiedColumn(name) : null;
      if (column && typeof name === "string") {
        const type = types[name];
        return type ? { ...column, type } : column;
      }
    }
    throw new TemplateError(`Can't find field with ID: ${JSON.stringify(dimension)}`, {
      code: "invalid-parameter",
    });
  };
}
