import { printClojureStringSet } from "./clojure-set.js";
import { addDays, dateStringToRange, dayIn, formatDay, parseDay, type DayRange } from "./dates.js";
import { TemplateError } from "./errors.js";
import { javaTrim, parseTemplate, type TemplateNode } from "./parse.js";
import type {
  RenderOptions,
  RenderedQuery,
  ResolvedColumn,
  TemplateParameter,
  TemplateTag,
} from "./types.js";

/**
 * Renders native SQL the way Metabase's query processor does (reference/metabase-contract.md §3.2–3.4):
 * every template tag's value is resolved first (so a missing required value wins over a syntax error, as in
 * Metabase), then the SQL is parsed and substituted. Values are always bound (`$1, $2, …`), never written
 * into the SQL text.
 */

type Scalar = string | number | boolean | null;
type RawValue = Scalar | Scalar[];

interface FieldValue {
  type: string;
  value: unknown;
}

type Resolved =
  | { kind: "none" }
  | { kind: "raw"; value: RawValue }
  | { kind: "field"; column: ResolvedColumn; values: FieldValue[] }
  | { kind: "field-none" };

const DATE_TYPES = new Set([
  "date",
  "date/single",
  "date/range",
  "date/month-year",
  "date/quarter-year",
  "date/relative",
  "date/all-options",
]);
/** Operator types Metabase compiles through MBQL; only equality is rendered here (see sql/README.md). */
const SUPPORTED_OPERATORS = new Set(["string/=", "number/="]);
const OTHER_OPERATORS = new Set([
  "string/!=",
  "string/contains",
  "string/does-not-contain",
  "string/starts-with",
  "string/ends-with",
  "number/!=",
  "number/between",
  "number/>=",
  "number/<=",
]);
/** Types Metabase renders as `col = ?` / `col IN (…)` without going through MBQL. */
function isEqualityType(type: string): boolean {
  return (
    ["category", "id", "text", "number", "boolean", "dimension", "none"].includes(type) ||
    type.startsWith("location/")
  );
}

// ---------------------------------------------------------------------------------------------- resolution

function isNull(value: unknown): boolean {
  return value === null || value === undefined;
}

/** Clojure truthiness, used by Metabase's `(:default tag)` checks. */
function truthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}

function targets(tag: TemplateTag, name: string, target: unknown): boolean {
  if (!Array.isArray(target) || target.length < 2) return false;
  const kind = tag.type === "dimension" ? "dimension" : "variable";
  if (target[0] !== kind) return false;
  const ref: unknown = target[1];
  if (!Array.isArray(ref) || ref.length !== 2 || ref[0] !== "template-tag") return false;
  const byName = ref[1] === name;
  const byId =
    typeof ref[1] === "object" &&
    ref[1] !== null &&
    Object.keys(ref[1]).length === 1 &&
    tag.id !== undefined &&
    (ref[1] as { id?: unknown }).id === tag.id;
  if (!byName && !byId) return false;
  // Legacy targets carry no stage number; native queries only have stage 0.
  const options: unknown = target[2];
  const stage =
    typeof options === "object" && options !== null && "stage-number" in options
      ? (options as { "stage-number": unknown })["stage-number"]
      : 0;
  return stage === 0;
}

function wrapValueError(name: string, message: string, code: TemplateError["code"]): TemplateError {
  return new TemplateError(message, {
    code,
    tag: name,
    wrappedMessage: `Error building query parameter map: Error determining value for parameter ${JSON.stringify(name)}: ${message}`,
  });
}

function requiredError(tag: TemplateTag, name: string): TemplateError {
  return wrapValueError(
    name,
    `You'll need to pick a value for '${tag["display-name"]}' before this query can run.`,
    "missing-required-parameter",
  );
}

/** Java's Double.parseDouble / Long.parseLong / new BigInteger, as Metabase's `parse-number` chains them. */
function parseNumberPart(text: string): number | string {
  if (text.includes(".")) {
    // Double.parseDouble trims ASCII control characters and spaces.
    const trimmed = text.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(trimmed)) {
      return Number(trimmed.replace(/[fFdD]$/, ""));
    }
    throw new Error(`For input string: "${text}"`);
  }
  if (text === "") throw new Error("Zero length BigInteger");
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`For input string: "${text}"`);
  const n = Number(text);
  // Beyond 2^53 a JS number would lose digits: bind the exact digits and let Postgres read them.
  return Number.isSafeInteger(n) ? n : text.replace(/^\+/, "");
}

/** Metabase's `value->number`: numbers pass, strings are split on commas, lists are parsed item by item. */
function toNumbers(value: unknown): number | string | Array<number | string> {
  if (typeof value === "number") return value;
  if (Array.isArray(value)) {
    const parsed = value.flatMap((v) => {
      const n = toNumbers(v);
      return Array.isArray(n) ? n : [n];
    });
    return parsed.length === 1 ? parsed[0]! : parsed;
  }
  if (typeof value === "string") {
    const parts = value.split(",");
    // Java's String.split drops trailing empty strings (but keeps a lone "").
    while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    const parsed = parts.map(parseNumberPart);
    return parsed.length === 1 ? parsed[0]! : parsed;
  }
  throw new Error(`Invalid number value: ${JSON.stringify(value)}`);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseRawValue(tag: TemplateTag, value: unknown): RawValue {
  switch (tag.type) {
    case "number":
      return toNumbers(value);
    case "date": {
      if (typeof value !== "string" || !ISO_DATE_TIME.test(value) || !parseDay(value.slice(0, 10))) {
        throw new Error(`Don't know how to parse date param '${String(value)}' — invalid format`);
      }
      return value;
    }
    default: {
      if (isScalar(value)) return value;
      if (Array.isArray(value) && value.every(isScalar)) return value;
      throw new Error(`Invalid value for a ${tag.type} parameter: ${JSON.stringify(value)}`);
    }
  }
}

function resolveRaw(tag: TemplateTag, name: string, params: TemplateParameter[]): Resolved {
  const matching = params.filter((p) => targets(tag, name, p.target));
  if (matching.length > 1) {
    throw wrapValueError(
      name,
      "Error: multiple values specified for parameter; non-Field Filter parameters can only have one value.",
      "invalid-parameter",
    );
  }
  const param = matching[0];
  // The embedding API turns `[]` into null before the query processor sees it (contract §1.5).
  const value = param && Array.isArray(param.value) && param.value.length === 0 ? null : param?.value;
  let chosen: unknown;
  if (param && !isNull(value)) chosen = value;
  else if (param && !tag.required) return { kind: "none" };
  else if (truthy(tag.default)) chosen = tag.default;
  else if (param && truthy(param.default)) chosen = param.default;
  else if (tag.required) throw requiredError(tag, name);
  else return { kind: "none" };
  try {
    return { kind: "raw", value: parseRawValue(tag, chosen) };
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw wrapValueError(name, (error as Error).message, "invalid-parameter");
  }
}

/**
 * No value: `null`, or `[]`, which the embedding API turns into null before Metabase's query processor sees it.
 * `[null]` is a value (`values.clj` keeps any truthy `:value`): Metabase renders `IN (NULL)`, which selects
 * nothing; reading it as "no value" would switch the filter off and select everything.
 */
function isNilValue(value: unknown): boolean {
  return isNull(value) || (Array.isArray(value) && value.length === 0);
}

function resolveField(
  tag: TemplateTag,
  name: string,
  params: TemplateParameter[],
  options: RenderOptions,
): Resolved {
  const column = options.resolveField(tag.dimension);
  const matching = params.filter((p) => targets(tag, name, p.target));
  const nilValues = matching.length > 0 && matching.every((p) => isNilValue(p.value));
  const tagDefault = (): Resolved => ({
    kind: "field",
    column,
    values: [{ type: tag["widget-type"] ?? "dimension", value: tag.default }],
  });
  if (matching.length > 0 && matching.some((p) => truthy(p.value)) && !nilValues) {
    return {
      kind: "field",
      column,
      values: matching.filter((p) => truthy(p.value)).map((p) => ({ type: p.type, value: p.value })),
    };
  }
  if (!tag.required && nilValues) return { kind: "field-none" };
  if (tag.required && nilValues) {
    if (truthy(tag.default)) return tagDefault();
    throw requiredError(tag, name);
  }
  if (!isNull(tag.default)) return tagDefault();
  if (matching.length > 0 && matching.every((p) => truthy(p.default))) {
    return { kind: "field", column, values: matching.map((p) => ({ type: p.type, value: p.default })) };
  }
  if (tag.required) throw requiredError(tag, name);
  return { kind: "field-none" };
}

function resolveTag(tag: TemplateTag, name: string, params: TemplateParameter[], options: RenderOptions) {
  switch (tag.type) {
    case "text":
    case "number":
    case "date":
    case "boolean":
      return resolveRaw(tag, name, params);
    case "dimension":
      return resolveField(tag, name, params, options);
    default:
      throw new TemplateError(`Unsupported template tag type ${JSON.stringify(tag.type)} for {{${name}}}`, {
        code: "unsupported",
        tag: name,
      });
  }
}

// -------------------------------------------------------------------------------------------- substitution

interface Placeholder {
  value: unknown;
}
type Part = string | Placeholder;

function ph(value: unknown): Placeholder {
  return { value };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function qualified(column: ResolvedColumn): string {
  return [column.schema, column.table, column.column].map(quoteIdentifier).join(".");
}

function list(values: unknown[]): Part[] {
  return values.flatMap((v, i) => (i === 0 ? [ph(v)] : [", ", ph(v)]));
}

function fieldError(name: string, message: string, code: TemplateError["code"] = "unsupported") {
  return new TemplateError(message, { code, tag: name });
}

function dateRangeFor(name: string, value: unknown, options: RenderOptions): DayRange {
  if (typeof value !== "string") {
    throw fieldError(name, `Invalid date filter value ${JSON.stringify(value)}`, "invalid-parameter");
  }
  const today = dayIn(options.now ?? new Date(), options.timeZone ?? "Europe/Paris");
  try {
    return dateStringToRange(value, today);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new TemplateError(error.message, { code: error.code, tag: name });
  }
}

function renderDate(
  name: string,
  col: string,
  column: ResolvedColumn,
  f: FieldValue,
  options: RenderOptions,
) {
  const range = dateRangeFor(name, f.value, options);
  const { start, end } = range;
  if (column.type === "date") {
    // Metabase on a Date column: `=` for a single day, otherwise an inclusive BETWEEN or a strict bound.
    if (f.type === "date/single" || f.type === "date") {
      if (!start || !end || formatDay(start) !== formatDay(end) || !parseDay(String(f.value))) {
        throw fieldError(
          name,
          `Don't know how to parse date param '${String(f.value)}' — invalid format`,
          "invalid-parameter",
        );
      }
      return [`${col} = `, ph(formatDay(start))];
    }
    if (start && end && formatDay(start) === formatDay(end)) return [`${col} = `, ph(formatDay(start))];
    if (!start && end) return [`${col} < `, ph(formatDay(end))];
    if (start && !end) return [`${col} > `, ph(formatDay(start))];
    return [`${col} BETWEEN `, ph(formatDay(start!)), " AND ", ph(formatDay(end!))];
  }
  // Timestamp (or unknown) columns: Metabase's half-open day range, which also selects the right rows on dates.
  if (start && end)
    return [`${col} >= `, ph(formatDay(start)), ` AND ${col} < `, ph(formatDay(addDays(end, 1)))];
  if (start) return [`${col} >= `, ph(formatDay(addDays(start, 1)))];
  return [`${col} < `, ph(formatDay(end!))];
}

function fieldScalars(name: string, value: unknown, numeric: boolean): unknown[] {
  const values = Array.isArray(value) ? value : [value];
  if (!values.every(isScalar)) {
    throw fieldError(name, `Invalid field filter value ${JSON.stringify(value)}`, "invalid-parameter");
  }
  if (!numeric) return values;
  try {
    return values.flatMap((v) => {
      const n = v === null ? null : toNumbers(v);
      return Array.isArray(n) ? n : [n];
    });
  } catch (error) {
    throw fieldError(name, (error as Error).message, "invalid-parameter");
  }
}

function renderFieldValue(
  name: string,
  column: ResolvedColumn,
  f: FieldValue,
  options: RenderOptions,
): Part[] {
  const col = qualified(column);
  if (DATE_TYPES.has(f.type)) return renderDate(name, col, column, f, options);
  const numericColumn = column.type === "number";
  if (SUPPORTED_OPERATORS.has(f.type)) {
    // Operator types take a list (the embedding API wraps a scalar into one): one value is `=`, several `IN`.
    const values = fieldScalars(name, f.value, numericColumn || f.type === "number/=");
    // Metabase compiles `=` with a null through MBQL (a null test), not as a comparison: not reproduced.
    if (values.some((v) => v === null)) {
      throw fieldError(name, `Unsupported null in the ${f.type} field filter {{${name}}} in this renderer`);
    }
    return values.length === 1 ? [`${col} = `, ph(values[0])] : [`${col} IN (`, ...list(values), ")"];
  }
  if (OTHER_OPERATORS.has(f.type)) {
    throw fieldError(
      name,
      `Unsupported parameter type ${f.type} for field filter {{${name}}} in this renderer`,
    );
  }
  if (!isEqualityType(f.type)) {
    throw fieldError(
      name,
      `Unsupported parameter type ${JSON.stringify(f.type)} for field filter {{${name}}}`,
    );
  }
  if (f.type === "number" || numericColumn) {
    // Metabase parses numbers first; a one-item list then becomes a scalar (`many-or-one`).
    let parsed: unknown;
    try {
      parsed = toNumbers(Array.isArray(f.value) ? fieldScalars(name, f.value, false) : f.value);
    } catch (error) {
      if (error instanceof TemplateError) throw error;
      throw fieldError(name, (error as Error).message, "invalid-parameter");
    }
    return Array.isArray(parsed) ? [`${col} IN (`, ...list(parsed), ")"] : [`${col} = `, ph(parsed)];
  }
  if (Array.isArray(f.value)) return [`${col} IN (`, ...list(fieldScalars(name, f.value, false)), ")"];
  return [`${col} = `, ph(fieldScalars(name, f.value, false)[0])];
}

interface Substitution {
  parts: Part[];
  missing: string[];
}

function substitute(
  nodes: TemplateNode[],
  values: Map<string, Resolved>,
  inOptional: boolean,
  options: RenderOptions,
): Substitution {
  const parts: Part[] = [];
  const missing: string[] = [];
  for (const node of nodes) {
    if (node.type === "text") {
      parts.push(node.text);
    } else if (node.type === "optional") {
      const inner = substitute(node.children, values, true, options);
      // A clause is kept only when every tag directly inside it has a value; nested clauses decide alone.
      if (inner.missing.length === 0) parts.push(...inner.parts);
    } else {
      const resolved = values.get(node.name);
      if (!resolved || resolved.kind === "none") {
        missing.push(node.name);
      } else if (resolved.kind === "field-none") {
        if (inOptional) missing.push(node.name);
        else parts.push("1 = 1");
      } else if (resolved.kind === "raw") {
        const v = resolved.value;
        parts.push(...(Array.isArray(v) ? list(v) : [ph(v)]));
      } else {
        const rendered = resolved.values.map((f) => renderFieldValue(node.name, resolved.column, f, options));
        if (rendered.length === 1) parts.push(...rendered[0]!);
        else parts.push("(", ...rendered.flatMap((r, i) => (i === 0 ? r : [" AND ", ...r])), ")");
      }
    }
  }
  return { parts, missing };
}

/** Characters that would fuse with a `$n` placeholder: `$1` + `1` reads `$11`, and `abc$1` is one identifier. */
function gluesToPlaceholder(char: string | undefined): boolean {
  return char !== undefined && (/[A-Za-z0-9_$]/.test(char) || char.charCodeAt(0) >= 0x80);
}

function assemble(parts: Part[]): RenderedQuery {
  const values: unknown[] = [];
  let sql = "";
  parts.forEach((part, i) => {
    if (typeof part === "string") {
      sql += part;
      return;
    }
    values.push(part.value);
    // JDBC's `?` never fuses with its neighbours; Postgres's `$n` can, so keep the token boundary with a space.
    const next = parts[i + 1];
    const before = gluesToPlaceholder(sql[sql.length - 1]) ? " " : "";
    const after = next !== undefined && (typeof next !== "string" || gluesToPlaceholder(next[0])) ? " " : "";
    sql += `${before}$${values.length}${after}`;
  });
  return { sql: javaTrim(sql), values };
}

/**
 * Parsed templates by SQL text: a dashboard renders the same few questions over and over, and a parse
 * result is never mutated. Bounded, oldest first out.
 */
const parsed = new Map<string, TemplateNode[]>();
const PARSE_CACHE_SIZE = 1000;

function parseCached(sql: string): TemplateNode[] {
  let nodes = parsed.get(sql);
  if (!nodes) {
    nodes = parseTemplate(sql);
    if (parsed.size >= PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
    parsed.set(sql, nodes);
  }
  return nodes;
}

export function renderNativeQuery(
  sql: string,
  tags: Record<string, TemplateTag>,
  parameters: TemplateParameter[],
  options: RenderOptions,
): RenderedQuery {
  const values = new Map<string, Resolved>();
  for (const [key, tag] of Object.entries(tags)) {
    const name = typeof tag.name === "string" ? tag.name : key;
    values.set(name, resolveTag(tag, name, parameters, options));
  }
  const nodes = parseCached(sql);
  const { parts, missing } = substitute(nodes, values, false, options);
  if (missing.length > 0) {
    throw new TemplateError(
      `Cannot run the query: missing required parameters: ${printClojureStringSet(missing)}`,
      { code: "missing-required-parameter" },
    );
  }
  return assemble(parts);
}
