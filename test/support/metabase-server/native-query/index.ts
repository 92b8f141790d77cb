import type { Weekday } from "./temporal.js";
import { parseNative } from "./parse.js";
import { substitute } from "./substitute.js";
import { paramsMap, type FieldMetadata, type NativeParameter, type NativeTag } from "./values.js";

/**
 * The test server's own reading of Metabase's native-query parameters, written from Metabase's Clojure source
 * (`lib/parse.cljc`, `driver/common/parameters/values.clj`, `query_processor/parameters/dates.clj`,
 * `driver/sql/parameters/substitute.clj` and `substitution.clj`) and never from the gateway's `src/template/`,
 * which it exists to check (test/structure.test.ts keeps it that way). Small and literal: the same steps in the
 * same order, Postgres placeholders instead of JDBC's `?`.
 */

export interface ExpandOptions {
  /** Metabase's metadata provider: a field filter's `dimension` → its column. */
  field(dimension: unknown): FieldMetadata | undefined;
  /** "Now", and the zone of the clock relative dates are computed on. */
  now: Date;
  timeZone: string;
  /** The `start-of-week` setting (Metabase's default: Sunday). */
  startOfWeek?: Weekday;
  /** v51+ parser: a single quote opens a string, inside which malformed clauses and comment markers are text. */
  quotedStrings: boolean;
}

export interface ExpandedQuery {
  sql: string;
  values: unknown[];
}

/** Metabase resolves every tag's value first, then parses and substitutes: a value error wins over a syntax error. */
export function expandNativeQuery(
  sql: string,
  tags: Record<string, NativeTag>,
  parameters: NativeParameter[],
  options: ExpandOptions,
): ExpandedQuery {
  const values = paramsMap(tags, parameters, options);
  const parsed = parseNative(sql, { quotes: options.quotedStrings });
  return substitute(parsed, values, {
    now: options.now,
    timeZone: options.timeZone,
    startOfWeek: options.startOfWeek ?? "sunday",
  });
}

export { NativeQueryError, type NativeErrorType } from "./errors.js";
export type { FieldMetadata, NativeParameter, NativeTag } from "./values.js";
