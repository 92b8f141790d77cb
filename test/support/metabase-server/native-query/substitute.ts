import { dateStringToRange, dateStrToDatetimeRange, isExclusion, type DateContext } from "./dates.js";
import { NativeQueryError, unsupported } from "./errors.js";
import { printSet } from "./clojure-print.js";
import type { Parsed } from "./parse.js";
import { formatLocal, parseLocal } from "./temporal.js";
import {
  NO_VALUE,
  valueToNumber,
  type DateValue,
  type FieldFilter,
  type FieldMetadata,
  type FilterValue,
  type ParamValue,
  type UuidValue,
} from "./values.js";

/**
 * `driver/sql/parameters/substitute.clj` and `substitution.clj` for Postgres: each parameter's replacement
 * snippet and its prepared-statement arguments. As in Metabase, strings and dates are bound, numbers and
 * booleans are written into the SQL (HoneySQL inlines them), `nil` is `NULL`, UUIDs are inlined casts.
 */

export interface Snippet {
  sql: string;
  args: unknown[];
}

const snippet = (sql: string, args: unknown[] = []): Snippet => ({ sql, args });
const PLACEHOLDER = "\u0000?\u0000";

function join(snippets: Snippet[], separator: string): Snippet {
  return { sql: snippets.map((s) => s.sql).join(separator), args: snippets.flatMap((s) => s.args) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function literalNumber(n: number | bigint): string {
  return typeof n === "bigint" ? n.toString() : String(n);
}

/** `->replacement-snippet-info` for plain values. */
function valueSnippet(v: unknown): Snippet {
  if (v === null || v === undefined) return snippet("NULL");
  if (typeof v === "string") return snippet(PLACEHOLDER, [v]);
  if (typeof v === "number" || typeof v === "bigint") return snippet(literalNumber(v));
  if (typeof v === "boolean") return snippet(v ? "TRUE" : "FALSE");
  if (Array.isArray(v)) return join(v.map(valueSnippet), ", ");
  if (isObject(v) && v.kind === "uuid") return snippet(`CAST('${(v as unknown as UuidValue).uuid}' AS uuid)`);
  if (isObject(v) && v.kind === "date") return temporalSnippet((v as unknown as DateValue).s);
  return snippet(PLACEHOLDER, [String(v)]);
}

/** `maybe-parse-temporal-literal`, then bound. */
function temporalSnippet(s: unknown): Snippet {
  if (typeof s !== "string") {
    throw new NativeQueryError(
      `Don't know how to parse ${typeof s} ${JSON.stringify(s)} as a temporal literal`,
      "invalid-parameter",
    );
  }
  return snippet(PLACEHOLDER, [formatLocal(parseLocal(s))]);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function identifier(field: FieldMetadata): string {
  return [field.schema, field.table, field.name].map(quoteIdentifier).join(".");
}

const DATE_TYPES = new Set([
  "date",
  "date/single",
  "date/range",
  "date/month-year",
  "date/quarter-year",
  "date/relative",
  "date/all-options",
]);
const SINGLE_DATE_TYPES = new Set(["date", "date/single"]);
const DATETIME_TYPES = new Set([
  "type/DateTime",
  "type/DateTimeWithTZ",
  "type/DateTimeWithLocalTZ",
  "type/DateTimeWithZoneOffset",
  "type/DateTimeWithZoneID",
  "type/Instant",
]);
const WITH_TIME_ZONE = new Set([...DATETIME_TYPES].filter((t) => t !== "type/DateTime"));

const OPERATORS: Record<string, "unary" | "binary" | "variadic"> = {
  "number/!=": "variadic",
  "number/<=": "unary",
  "number/=": "variadic",
  "number/>=": "unary",
  "number/between": "binary",
  "string/!=": "variadic",
  "string/=": "variadic",
  "string/contains": "variadic",
  "string/does-not-contain": "variadic",
  "string/ends-with": "variadic",
  "string/starts-with": "variadic",
};

/** `params.ops/to-clause` compiled by the SQL query processor (Postgres), for the operator types. */
function operatorSnippet(col: string, f: FilterValue): Snippet {
  const arity = OPERATORS[f.type]!;
  const values = Array.isArray(f.value) ? f.value : [f.value];
  const expected = arity === "unary" ? 1 : arity === "binary" ? 2 : undefined;
  if (expected !== undefined && values.length !== expected) {
    throw new NativeQueryError(
      `Operations Invalid arity: expected ${expected} but received ${values.length}`,
      "invalid-parameter",
    );
  }
  if (expected === undefined && values.length === 0) {
    throw new NativeQueryError(`No values provided for operator: :${f.type}`, "invalid-parameter");
  }
  const numeric = f.type.startsWith("number/");
  const operand = (v: unknown) => valueSnippet(numeric && typeof v === "string" ? valueToNumber(v) : v);
  const any = (parts: Snippet[], glue: string) =>
    parts.length === 1
      ? parts[0]!
      : { ...join(parts, ` ${glue} `), sql: `(${join(parts, ` ${glue} `).sql})` };
  const lower = f.options?.["case-sensitive"] === false;
  const like = (v: unknown, pattern: (s: string) => string): Snippet => {
    const text = lower ? String(v).toLowerCase() : String(v);
    return snippet(`${lower ? `LOWER(${col})` : col} LIKE ${PLACEHOLDER}`, [pattern(text)]);
  };
  switch (f.type) {
    case "string/=":
    case "number/=":
      return any(
        values.map((v) => wrapSql(operand(v), (s) => `(${col} = ${s})`)),
        "OR",
      );
    case "string/!=":
    case "number/!=":
      return any(
        values.map((v) => wrapSql(operand(v), (s) => `((${col} <> ${s}) OR (${col} IS NULL))`)),
        "AND",
      );
    case "number/>=":
    case "number/<=":
      return wrapSql(operand(values[0]), (s) => `(${col} ${f.type.slice(7)} ${s})`);
    case "number/between": {
      const [low, high] = [operand(values[0]), operand(values[1])];
      return { sql: `${col} BETWEEN ${low.sql} AND ${high.sql}`, args: [...low.args, ...high.args] };
    }
    case "string/contains":
      return any(
        values.map((v) =>
          wrapSql(
            like(v, (s) => `%${s}%`),
            (s) => `(${s})`,
          ),
        ),
        "OR",
      );
    case "string/starts-with":
      return any(
        values.map((v) =>
          wrapSql(
            like(v, (s) => `${s}%`),
            (s) => `(${s})`,
          ),
        ),
        "OR",
      );
    case "string/ends-with":
      return any(
        values.map((v) =>
          wrapSql(
            like(v, (s) => `%${s}`),
            (s) => `(${s})`,
          ),
        ),
        "OR",
      );
    default:
      return any(
        values.map((v) =>
          wrapSql(
            like(v, (s) => `%${s}%`),
            (s) => `(NOT (${s}) OR (${col} IS NULL))`,
          ),
        ),
        "AND",
      );
  }
}

function wrapSql(s: Snippet, wrap: (sql: string) => string): Snippet {
  return { sql: wrap(s.sql), args: s.args };
}

function dateRangeSnippet(value: unknown, ctx: DateContext): Snippet {
  if (typeof value !== "string" || value.trim() === "") {
    throw new NativeQueryError(`Invalid date parameter value ${JSON.stringify(value)}`, "invalid-parameter");
  }
  const { start, end } = dateStringToRange(value, ctx);
  const bound = (s: string) => snippet(PLACEHOLDER, [formatLocal(parseLocal(s))]);
  if (start === end) return wrapSql(bound(start!), (s) => `= ${s}`);
  if (start === undefined) return wrapSql(bound(end!), (s) => `< ${s}`);
  if (end === undefined) return wrapSql(bound(start), (s) => `> ${s}`);
  const [a, b] = [bound(start), bound(end)];
  return { sql: `BETWEEN ${a.sql} AND ${b.sql}`, args: [...a.args, ...b.args] };
}

/** `field-filter->replacement-snippet-info` for one parameter's value. */
function filterValueSnippet(field: FieldMetadata, f: FilterValue, ctx: DateContext): Snippet {
  const col = identifier(field);
  const prepend = (s: Snippet) => wrapSql(s, (sql) => `${col} ${sql}`);
  if (f.type in OPERATORS) return operatorSnippet(col, f);
  if (DATE_TYPES.has(f.type) && isExclusion(f.value))
    throw unsupported(`date exclusions ('${String(f.value)}')`);
  if (DATE_TYPES.has(f.type) && DATETIME_TYPES.has(field.baseType)) {
    if (typeof f.value !== "string") {
      throw new NativeQueryError(
        `Invalid date parameter value ${JSON.stringify(f.value)}`,
        "invalid-parameter",
      );
    }
    const range = dateStrToDatetimeRange(f.value, WITH_TIME_ZONE.has(field.baseType), ctx);
    const parts = [
      ...(range.start ? [snippet(`${col} >= ${PLACEHOLDER}`, [range.start])] : []),
      ...(range.end ? [snippet(`${col} < ${PLACEHOLDER}`, [range.end])] : []),
    ];
    return join(parts, " AND ");
  }
  if (DATE_TYPES.has(f.type) && !SINGLE_DATE_TYPES.has(f.type))
    return prepend(dateRangeSnippet(f.value, ctx));
  if (DATE_TYPES.has(f.type)) return prepend(wrapSql(temporalSnippet(f.value), (s) => `= ${s}`));
  if (Array.isArray(f.value)) return prepend(wrapSql(valueSnippet(f.value), (s) => `IN (${s})`));
  return prepend(wrapSql(valueSnippet(f.value), (s) => `= ${s}`));
}

function fieldFilterSnippet(ff: FieldFilter, ctx: DateContext): Snippet {
  let s: Snippet;
  if (ff.value === NO_VALUE) s = snippet("1 = 1");
  else if (Array.isArray(ff.value)) {
    s = wrapSql(
      join(
        ff.value.map((v) => filterValueSnippet(ff.field, v, ctx)),
        " AND ",
      ),
      (x) => `(${x})`,
    );
  } else s = filterValueSnippet(ff.field, ff.value, ctx);
  // A tag `alias` replaces the column's qualified name, for queries that alias the table.
  if (ff.alias && ff.alias.trim() !== "") s = { ...s, sql: s.sql.replaceAll(identifier(ff.field), ff.alias) };
  return s;
}

function isFieldFilter(v: unknown): v is FieldFilter {
  return isObject(v) && v.kind === "field-filter";
}

interface State {
  sql: string;
  args: unknown[];
  missing: string[];
}

function substituteAll(
  parsed: Parsed[],
  values: Map<string, ParamValue>,
  inOptional: boolean,
  ctx: DateContext,
): State {
  const state: State = { sql: "", args: [], missing: [] };
  for (const x of parsed) {
    if (typeof x === "string") {
      state.sql += x;
    } else if ("optional" in x) {
      const inner = substituteAll(x.optional, values, true, ctx);
      if (inner.missing.length === 0) {
        state.sql += inner.sql;
        state.args.push(...inner.args);
      }
    } else {
      const k = x.param;
      const v = values.get(k);
      if (!values.has(k) || v === NO_VALUE || (isFieldFilter(v) && v.value === NO_VALUE && inOptional)) {
        state.missing.push(k);
        continue;
      }
      const s = isFieldFilter(v) ? fieldFilterSnippet(v, ctx) : valueSnippet(v);
      state.sql += s.sql;
      state.args.push(...s.args);
    }
  }
  return state;
}

/** Characters that would run into a Postgres `$n` (JDBC's `?` never does). */
const GLUES = /[A-Za-z0-9_$\u0080-\uffff]/;

/** `substitute`: SQL with `$1, $2, …` and the bound values, or Metabase's missing-parameters error. */
export function substitute(
  parsed: Parsed[],
  values: Map<string, ParamValue>,
  ctx: DateContext,
): { sql: string; values: unknown[] } {
  let state: State;
  try {
    state = substituteAll(parsed, values, false, ctx);
  } catch (error) {
    if (!(error instanceof NativeQueryError)) throw error;
    throw new NativeQueryError(error.message, error.errorType, "Unable to substitute parameters");
  }
  if (state.missing.length > 0) {
    throw new NativeQueryError(
      `Cannot run the query: missing required parameters: ${printSet(state.missing)}`,
      "missing-required-parameter",
    );
  }
  const pieces = state.sql.split(PLACEHOLDER);
  let sql = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) {
    const before = GLUES.test(sql.slice(-1)) ? " " : "";
    const after = GLUES.test(pieces[i]!.slice(0, 1)) ? " " : "";
    sql += `${before}$${i}${after}${pieces[i]}`;
  }
  return { sql: clojureTrimSql(sql), values: state.args };
}

function clojureTrimSql(s: string): string {
  return s.replace(/^[\s\u001c-\u001f]+|[\s\u001c-\u001f]+$/g, "");
}
