import { isRecord } from "./errors.js";

/**
 * Read-back normalisers, in one tested module (versioning-tools.md, "What none of them has" §10): every
 * shape difference between Metabase versions is absorbed here, so that the diff never reports a change
 * that is only a change of format.
 *
 * - `dataset_query`: legacy `{database, type: "native", native: {query, "template-tags"}}` (every version
 *   accepts it, ≤ 56 answers it) and MBQL 5 `{"lib/type": "mbql/query", database, stages: [{native,
 *   "template-tags"}]}` (answered from v57 unless `?legacy-mbql=true`); template tags as a map or, newest, a
 *   list.
 * - field references: legacy `["field", 12, null]`, MBQL 5 `["field", {"lib/uuid": …}, 12]`.
 * - parameter targets: `["variable", ["template-tag", "x"]]`, possibly with a third element such as
 *   `{"stage-number": 0}`.
 */

export interface NativeQuery {
  databaseId: number | undefined;
  sql: string;
  templateTags: Record<string, Record<string, unknown>>;
}

export function nativeQueryOf(datasetQuery: unknown): NativeQuery | undefined {
  if (!isRecord(datasetQuery)) return undefined;
  const databaseId = typeof datasetQuery.database === "number" ? datasetQuery.database : undefined;
  if (datasetQuery["lib/type"] === "mbql/query") {
    const stages = Array.isArray(datasetQuery.stages) ? datasetQuery.stages : [];
    const stage = stages[0];
    if (!isRecord(stage) || typeof stage.native !== "string") return undefined;
    return { databaseId, sql: stage.native, templateTags: tagsOf(stage["template-tags"]) };
  }
  if (datasetQuery.type !== "native" || !isRecord(datasetQuery.native)) return undefined;
  const query = datasetQuery.native.query;
  if (typeof query !== "string") return undefined;
  return { databaseId, sql: query, templateTags: tagsOf(datasetQuery.native["template-tags"]) };
}

function tagsOf(value: unknown): Record<string, Record<string, unknown>> {
  const entries: Array<[string, Record<string, unknown>]> = [];
  if (Array.isArray(value)) {
    for (const tag of value) if (isRecord(tag) && typeof tag.name === "string") entries.push([tag.name, tag]);
  } else if (isRecord(value)) {
    for (const [name, tag] of Object.entries(value)) if (isRecord(tag)) entries.push([name, tag]);
  }
  return Object.fromEntries(entries);
}

/** The field id of a field reference in either shape, or undefined. */
export function fieldIdOf(ref: unknown): number | undefined {
  if (!Array.isArray(ref) || ref[0] !== "field") return undefined;
  if (typeof ref[1] === "number") return ref[1];
  if (isRecord(ref[1]) && typeof ref[2] === "number") return ref[2];
  return undefined;
}

export interface ParameterTarget {
  kind: "variable" | "dimension";
  tag: string;
}

/** A native parameter target (`["variable"|"dimension", ["template-tag", name], …]`), or undefined. */
export function templateTagTarget(target: unknown): ParameterTarget | undefined {
  if (!Array.isArray(target)) return undefined;
  const [kind, ref] = target;
  if ((kind !== "variable" && kind !== "dimension") || !Array.isArray(ref) || ref[0] !== "template-tag") {
    return undefined;
  }
  const name = ref[1];
  if (typeof name === "string") return { kind, tag: name };
  if (isRecord(name) && typeof name.name === "string") return { kind, tag: name.name };
  return undefined;
}

/** `null`, absent and `undefined` mean the same thing in Metabase's answers. */
export function orUndefined<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/**
 * Deep equality on JSON values where object key order does not matter and `null`/absent object members are
 * the same (Metabase drops or nulls optional members depending on the version).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameJson(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/** JSON with sorted keys and without null members: the stable text of a value, for fingerprints and display. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => value[key] !== null && value[key] !== undefined)
        .map((key) => [key, canonical(value[key])]),
    );
  }
  return value;
}
