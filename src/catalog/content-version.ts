import { createHash } from "node:crypto";

/**
 * A content version is a hash of a definition's normalised data, not of its file: re-quoting, reordering
 * keys, re-indenting or commenting the YAML changes nothing, and neither does renaming a file whose key is
 * pinned. Any change to what Metabase or the gateway would see changes it.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function contentVersion(definition: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(definition)))
    .digest("hex")
    .slice(0, 16);
}

/** SQL normalised for hashing: line endings and trailing spaces are formatting, the rest is content. */
export function normaliseSql(sql: string): string {
  return sql
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}
