import { NativeQueryError, unsupported } from "./errors.js";

/**
 * `query->params-map` of `driver/common/parameters/values.clj`: each template tag's value, from the request's
 * parameters, the tag's default or the parameters' defaults, parsed by type. Clojure truthiness is kept on
 * purpose (`false` and `nil` are falsy, `[]`, `0` and `""` are not): it decides which value wins.
 */

export interface NativeTag {
  name?: string;
  "display-name"?: string;
  id?: string;
  type?: string;
  required?: boolean;
  default?: unknown;
  dimension?: unknown;
  "widget-type"?: string;
  options?: Record<string, unknown> | null;
  alias?: string;
  [key: string]: unknown;
}

export interface NativeParameter {
  type: string;
  target?: unknown;
  value?: unknown;
  default?: unknown;
  id?: string;
  [key: string]: unknown;
}

export interface FieldMetadata {
  id: number;
  schema: string;
  table: string;
  name: string;
  /** Metabase's effective type, e.g. `type/Text`, `type/Date`, `type/DateTime`, `type/Integer`. */
  baseType: string;
}

export const NO_VALUE = Symbol("no-value");
export type NoValue = typeof NO_VALUE;

/** One parameter's share of a field filter: its type, value and the tag's options. */
export interface FilterValue {
  type: string;
  value: unknown;
  options?: Record<string, unknown>;
}

export interface FieldFilter {
  kind: "field-filter";
  field: FieldMetadata;
  value: NoValue | FilterValue | FilterValue[];
  alias: string | undefined;
}

/** A raw `date` tag's value, kept as the string Metabase parses when substituting (`params/map->Date`). */
export interface DateValue {
  kind: "date";
  s: unknown;
}

export interface UuidValue {
  kind: "uuid";
  uuid: string;
}

export type ParamValue = NoValue | FieldFilter | DateValue | UuidValue | unknown;

export function truthy(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `tag-target-pred`: `[variable|dimension, [template-tag, name | {id}], {stage-number 0}?]`. */
function targetsTag(tag: NativeTag, name: string, target: unknown): boolean {
  if (!Array.isArray(target) || target.length < 2) return false;
  const kind = tag.type === "dimension" || tag.type === "temporal-unit" ? "dimension" : "variable";
  const ref: unknown = target[1];
  if (target[0] !== kind || !Array.isArray(ref) || ref.length !== 2 || ref[0] !== "template-tag")
    return false;
  const byName = ref[1] === name;
  const byId = isObject(ref[1]) && Object.keys(ref[1]).length === 1 && ref[1].id === tag.id;
  const stage = isObject(target[2]) && "stage-number" in target[2] ? target[2]["stage-number"] : 0;
  return (byName || byId) && stage === 0;
}

function missingRequired(tag: NativeTag): NativeQueryError {
  return new NativeQueryError(
    `You'll need to pick a value for '${String(tag["display-name"])}' before this query can run.`,
    "missing-required-parameter",
  );
}

const CASE_SENSITIVE_TYPES = new Set([
  "string/contains",
  "string/does-not-contain",
  "string/ends-with",
  "string/starts-with",
]);

function fieldFilterValue(tag: NativeTag, params: NativeParameter[]): FieldFilter["value"] {
  const matching = params.filter((p) => targetsTag(tag, String(tag.name), p.target));
  const tagOptions = isObject(tag.options) ? tag.options : undefined;
  const normalise = (ps: NativeParameter[]): FilterValue | FilterValue[] => {
    const values = ps.map((p): FilterValue => {
      let options = tagOptions;
      if (options && "case-sensitive" in options && !CASE_SENSITIVE_TYPES.has(p.type)) {
        const { "case-sensitive": _dropped, ...rest } = options;
        options = rest;
      }
      const { target: _target, ...rest } = p;
      return { ...(rest as FilterValue), ...(options && Object.keys(options).length > 0 ? { options } : {}) };
    });
    return values.length === 1 ? values[0]! : values;
  };
  const nilValues = matching.length > 0 && matching.every((p) => p.value === null || p.value === undefined);
  const fromTag = (): FilterValue => ({
    type: tag["widget-type"] ?? "dimension",
    value: tag.default,
    ...(tagOptions ? { options: tagOptions } : {}),
  });
  if (matching.length > 0 && matching.some((p) => truthy(p.value))) {
    return normalise(matching.filter((p) => truthy(p.value)));
  }
  if (!tag.required && nilValues) return NO_VALUE;
  if (tag.required && nilValues) {
    if (truthy(tag.default)) return fromTag();
    throw missingRequired(tag);
  }
  if (tag.default !== null && tag.default !== undefined) return fromTag();
  if (matching.length > 0 && matching.every((p) => truthy(p.default))) return normalise(matching);
  if (tag.required) throw missingRequired(tag);
  return NO_VALUE;
}

function rawValue(tag: NativeTag, params: NativeParameter[]): unknown {
  const matching = params.filter((p) => targetsTag(tag, String(tag.name), p.target));
  if (matching.length > 1) {
    throw new NativeQueryError(
      "Error: multiple values specified for parameter; non-Field Filter parameters can only have one value.",
      "invalid-parameter",
    );
  }
  const param = matching[0];
  if (param && truthy(param.value)) return param.value;
  if (param && (param.value === null || param.value === undefined) && !tag.required) return NO_VALUE;
  if (truthy(tag.default)) return tag.default;
  if (param && truthy(param.default)) return param.default;
  if (tag.required) throw missingRequired(tag);
  return NO_VALUE;
}

/** Java's Double.parseDouble, Long.parseLong, then `new BigInteger` (digits kept as a string beyond 2^53). */
function parseNumber(s: string): number | bigint {
  if (s.includes(".")) {
    const t = s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(t)) return Number(t.replace(/[fFdD]$/, ""));
    throw new NativeQueryError(`For input string: "${s}"`, "invalid-parameter");
  }
  if (s === "") throw new NativeQueryError("Zero length BigInteger", "invalid-parameter");
  if (!/^[+-]?\d+$/.test(s)) throw new NativeQueryError(`For input string: "${s}"`, "invalid-parameter");
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

function manyOrOne<T>(xs: T[]): T | T[] {
  return xs.length === 1 ? xs[0]! : xs;
}

/** `value->number`: numbers pass, vectors element-wise, strings split on commas (Java drops trailing empties). */
export function valueToNumber(value: unknown): unknown {
  if (typeof value === "number" || typeof value === "bigint") return value;
  if (Array.isArray(value)) return manyOrOne(value.map(valueToNumber));
  if (typeof value === "string") {
    const parts = value.split(",");
    while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    return manyOrOne(parts.map(parseNumber));
  }
  return undefined;
}

const UUID = /^[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,12}$/;

/** `UUID/fromString`, which accepts short groups and canonicalises them. */
function parseUuid(s: string): UuidValue {
  if (!UUID.test(s)) throw new NativeQueryError(`Invalid UUID string: ${s}`, "invalid-parameter");
  const widths = [8, 4, 4, 4, 12];
  return {
    kind: "uuid",
    uuid: s
      .split("-")
      .map((g, i) => g.toLowerCase().padStart(widths[i]!, "0"))
      .join("-"),
  };
}

const isa = (type: string, parent: "Number" | "UUID") =>
  parent === "UUID"
    ? type === "type/UUID"
    : ["type/Number", "type/Integer", "type/BigInteger", "type/Float", "type/Decimal"].includes(type);

/** `update-filter-for-field-type`: textual values of a UUID or numeric column become UUIDs or numbers. */
function forFieldType(ff: FieldFilter): FieldFilter {
  if (ff.value === NO_VALUE || Array.isArray(ff.value)) return ff;
  const value = ff.value.value;
  const parse = (s: string): unknown =>
    isa(ff.field.baseType, "UUID") ? parseUuid(s) : isa(ff.field.baseType, "Number") ? valueToNumber(s) : s;
  let parsed: unknown;
  if (typeof value === "string") parsed = parse(value);
  else if (Array.isArray(value) && value.every((v) => typeof v === "string")) parsed = value.map(parse);
  return parsed === undefined ? ff : { ...ff, value: { ...ff.value, value: parsed } };
}

function parseForType(tagType: string | undefined, value: unknown): unknown {
  if (value === NO_VALUE) return value;
  if (tagType === "number") return valueToNumber(value);
  if (tagType === "date") return { kind: "date", s: value } satisfies DateValue;
  const ff = isObject(value) && value.kind === "field-filter" ? (value as unknown as FieldFilter) : undefined;
  if (ff && ff.value !== NO_VALUE && !Array.isArray(ff.value) && ff.value.type === "number") {
    return { ...ff, value: { ...ff.value, value: valueToNumber(ff.value.value) } };
  }
  if (Array.isArray(value)) return value.map((v) => parseForType(tagType, v));
  if (ff) return forFieldType(ff);
  return value;
}

export interface ValueOptions {
  field(dimension: unknown): FieldMetadata | undefined;
}

function parseTag(tag: NativeTag, params: NativeParameter[], options: ValueOptions): unknown {
  switch (tag.type) {
    case "dimension": {
      const dimension = Array.isArray(tag.dimension) ? tag.dimension : [];
      const field = options.field(tag.dimension);
      if (!field) {
        throw new NativeQueryError(`Can't find field with ID: ${String(dimension[1])}`, "invalid-parameter");
      }
      return {
        kind: "field-filter",
        field,
        value: fieldFilterValue(tag, params),
        alias: typeof tag.alias === "string" ? tag.alias : undefined,
      } satisfies FieldFilter;
    }
    case "number":
    case "text":
    case "date":
    case "boolean":
      return rawValue(tag, params);
    case "snippet":
      throw unsupported("snippets ({{snippet: …}})");
    case "card":
      throw unsupported("references to other questions ({{#…}})");
    default:
      throw new NativeQueryError(
        `Don't know how to parse parameter of type :${String(tag.type)}`,
        "invalid-parameter",
      );
  }
}

/** `query->params-map`: tag name → value; the first failing tag aborts, wrapped twice as in Metabase. */
export function paramsMap(
  tags: Record<string, NativeTag>,
  params: NativeParameter[],
  options: ValueOptions,
): Map<string, ParamValue> {
  const out = new Map<string, ParamValue>();
  for (const [key, tag] of Object.entries(tags)) {
    try {
      out.set(key, parseForType(tag.type, parseTag(tag, params, options)));
    } catch (error) {
      if (!(error instanceof NativeQueryError)) throw error;
      const inner = `Error determining value for parameter ${JSON.stringify(tag.name)}: ${error.message}`;
      throw new NativeQueryError(
        error.message,
        error.errorType,
        `Error building query parameter map: ${inner}`,
      );
    }
  }
  return out;
}
