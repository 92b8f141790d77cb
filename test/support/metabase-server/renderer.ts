import { expandNativeQuery, NativeQueryError, type FieldMetadata } from "./native-query/index.js";
import type { MetabaseVersion } from "./version.js";

/**
 * How the test server turns a card's native SQL and its run-time parameters into SQL for Postgres. The
 * default is its own reading of Metabase's source (`native-query/`); a test may hand it another renderer —
 * the gateway's `src/template/`, through test/support/gateway-renderer.ts — to compare the two on the same
 * requests. This folder never imports `src/template/` (test/structure.test.ts).
 */
export interface RenderInput {
  sql: string;
  tags: Record<string, Record<string, unknown>>;
  parameters: Record<string, unknown>[];
  /** Metabase's metadata provider: a field filter's `dimension` → its column. */
  field(dimension: unknown): FieldMetadata | undefined;
  now: Date;
  /** The report time zone (Metabase's clock for relative dates and date-time ranges). */
  timeZone: string;
  version: MetabaseVersion;
}

export interface RenderedSql {
  sql: string;
  values: unknown[];
}

/** What a renderer throws when Metabase would refuse the query: the message the API shows and its error type. */
export interface RenderFailure {
  message: string;
  errorType: string;
}

export type NativeRenderer = (input: RenderInput) => RenderedSql;

export function isRenderFailure(error: unknown): error is Error & RenderFailure {
  return error instanceof Error && typeof (error as { errorType?: unknown }).errorType === "string";
}

/** The test server's own renderer, as the version it pretends to be. */
export const metabaseRenderer: NativeRenderer = (input) =>
  expandNativeQuery(input.sql, input.tags, input.parameters as never[], {
    field: input.field,
    now: input.now,
    timeZone: input.timeZone,
    quotedStrings: input.version.major >= 51,
  });

export { NativeQueryError, type FieldMetadata };
