import { randomUUID } from "node:crypto";

/**
 * The two shapes of a native `dataset_query` (metabase-contract.md §2.6): legacy ("MBQL 4"), accepted by
 * every version and stored here, and MBQL 5, which `GET /api/card/:id` answers from v57 unless
 * `?legacy-mbql=true`. Field references differ too: legacy `["field", 12, null]`, MBQL 5
 * `["field", {"lib/uuid": "…"}, 12]`.
 */
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function mapTags(tags: unknown, dimension: (d: unknown) => unknown): unknown {
  if (!isObject(tags)) return tags;
  return Object.fromEntries(
    Object.entries(tags).map(([name, tag]) => [
      name,
      isObject(tag) && tag.dimension !== undefined ? { ...tag, dimension: dimension(tag.dimension) } : tag,
    ]),
  );
}

function legacyFieldRef(ref: unknown): unknown {
  if (!Array.isArray(ref) || ref[0] !== "field") return ref;
  if (isObject(ref[1])) {
    const { "lib/uuid": _uuid, ...rest } = ref[1];
    return ["field", ref[2], Object.keys(rest).length > 0 ? rest : null];
  }
  return ref;
}

function mbql5FieldRef(ref: unknown): unknown {
  if (!Array.isArray(ref) || ref[0] !== "field" || isObject(ref[1])) return ref;
  return ["field", { "lib/uuid": randomUUID(), ...(isObject(ref[2]) ? ref[2] : {}) }, ref[1]];
}

export function isMbql5(query: unknown): boolean {
  return isObject(query) && query["lib/type"] === "mbql/query";
}

/** Any accepted `dataset_query` → the legacy shape kept in the store. */
export function toLegacy(query: Json): Json {
  if (!isMbql5(query)) {
    if (query.type === "native" && isObject(query.native)) {
      return {
        ...query,
        native: {
          ...query.native,
          "template-tags": mapTags(query.native["template-tags"] ?? {}, legacyFieldRef),
        },
      };
    }
    return query;
  }
  const stages = Array.isArray(query.stages) ? query.stages : [];
  const stage = isObject(stages[0]) ? stages[0] : {};
  if (stage["lib/type"] !== "mbql.stage/native") {
    const { "lib/type": _t, ...rest } = query;
    return { ...rest, type: "query" };
  }
  return {
    database: query.database,
    type: "native",
    native: {
      query: stage.native,
      "template-tags": mapTags(stage["template-tags"] ?? {}, legacyFieldRef),
    },
  };
}

/** The stored legacy shape → what v57+ answers by default. */
export function toMbql5(query: Json): Json {
  if (query.type !== "native" || !isObject(query.native)) {
    const { type: _t, ...rest } = query;
    return { "lib/type": "mbql/query", ...rest, stages: [{ "lib/type": "mbql.stage/mbql" }] };
  }
  return {
    "lib/type": "mbql/query",
    database: query.database,
    stages: [
      {
        "lib/type": "mbql.stage/native",
        native: query.native.query,
        "template-tags": mapTags(query.native["template-tags"] ?? {}, mbql5FieldRef),
      },
    ],
  };
}

export function nativeOf(query: Json): { sql: string; tags: Record<string, Json> } | undefined {
  if (query.type !== "native" || !isObject(query.native) || typeof query.native.query !== "string")
    return undefined;
  const tags = isObject(query.native["template-tags"]) ? query.native["template-tags"] : {};
  return {
    sql: query.native.query,
    tags: Object.fromEntries(
      Object.entries(tags).filter((entry): entry is [string, Json] => isObject(entry[1])),
    ),
  };
}
