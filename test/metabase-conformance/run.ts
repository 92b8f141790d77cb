import { randomUUID } from "node:crypto";
import type { Database } from "../../src/storage/database.js";
import type { FieldMetadata, NativeRenderer } from "../support/metabase-server/index.js";
import { featuresOf, parseVersion } from "../support/metabase-server/version.js";
import { DEFAULT_NOW, DEFAULT_TIME_ZONE, type Row, type TagSpec } from "./row.js";

/**
 * Running one row through one implementation: the tags and parameters built as Metabase receives them, the
 * rendering, then the SQL on the fixture table. An implementation is a renderer plus what sits in front of it
 * on the way from an embed to the query processor.
 */

export interface Implementation {
  name: string;
  render: NativeRenderer;
  /**
   * Before rendering: the embedding API's value normalisation (rows marked `embed`) and the card's run-time
   * parameter-type check. The test server does both itself; the gateway's renderer folds the first into its
   * own rules and builds its parameter types itself.
   */
  prepare?(row: Row, parameters: Record<string, unknown>[], major: number): Record<string, unknown>[];
}

export interface Outcome {
  sql?: string;
  values?: unknown[];
  rows?: number[];
  error?: { type: string; message: string };
}

const tagIds = new Map<string, string>();

function tagId(row: Row, name: string): string {
  const key = `${row.id}/${name}`;
  if (!tagIds.has(key)) tagIds.set(key, randomUUID());
  return tagIds.get(key)!;
}

function tagObject(row: Row, tag: TagSpec, fields: Map<string, FieldMetadata>): Record<string, unknown> {
  const field = tag.column === undefined ? undefined : fields.get(tag.column);
  if (tag.column !== undefined && !field)
    throw new Error(`${row.id}: no column ${tag.column} in the fixture`);
  return {
    id: tagId(row, tag.name),
    name: tag.name,
    "display-name": tag.display ?? tag.name,
    type: tag.type,
    ...(tag.required === undefined ? {} : { required: tag.required }),
    ...(tag.default === undefined ? {} : { default: tag.default }),
    ...(field ? { dimension: ["field", field.id, null], "widget-type": tag.widget ?? "category" } : {}),
    ...(tag.options ? { options: tag.options } : {}),
    ...(tag.extra ?? {}),
  };
}

export function buildRequest(row: Row, fields: Map<string, FieldMetadata>) {
  const tags = Object.fromEntries(row.tags.map((t) => [t.name, tagObject(row, t, fields)]));
  const parameters = (row.params ?? []).map((p) => {
    const tag = row.tags.find((t) => t.name === p.tag);
    const kind = tag?.type === "dimension" ? "dimension" : "variable";
    return {
      type: p.type,
      target: p.target ?? [kind, ["template-tag", p.tag]],
      ...("value" in p ? { value: p.value } : {}),
      ...(p.default === undefined ? {} : { default: p.default }),
    };
  });
  return { tags, parameters };
}

function errorOf(error: unknown): { type: string; message: string } {
  const type = (error as { errorType?: unknown }).errorType;
  const message = error instanceof Error ? error.message : String(error);
  return { type: typeof type === "string" ? type : "crash", message };
}

export async function runRow(
  row: Row,
  impl: Implementation,
  versionTag: string,
  warehouse: Database,
  fields: Map<string, FieldMetadata>,
): Promise<Outcome> {
  const version = parseVersion(versionTag);
  const byId = new Map([...fields.values()].map((f) => [f.id, f]));
  const { tags, parameters } = buildRequest(row, fields);
  let rendered;
  try {
    const prepared = impl.prepare ? impl.prepare(row, parameters, version.major) : parameters;
    rendered = impl.render({
      sql: row.sql,
      tags,
      parameters: prepared,
      field: (d) => (Array.isArray(d) && typeof d[1] === "number" ? byId.get(d[1]) : undefined),
      now: new Date(row.now ?? DEFAULT_NOW),
      timeZone: row.timeZone ?? DEFAULT_TIME_ZONE,
      version,
    });
  } catch (error) {
    const e = errorOf(error);
    if (e.type === "crash") throw error;
    return { error: e };
  }
  try {
    const { rows } = await warehouse.query<{ id: number }>(rendered.sql, rendered.values);
    return { ...rendered, rows: rows.map((r) => Number(Object.values(r)[0])) };
  } catch (error) {
    return {
      ...rendered,
      error: { type: "sql", message: error instanceof Error ? error.message : String(error) },
    };
  }
}

export { featuresOf };
