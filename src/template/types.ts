/**
 * Metabase-shaped inputs of the renderer. They follow Metabase's own JSON (a card's
 * `dataset_query.native["template-tags"]` and the `parameters` of a query request), so that the gateway, the
 * sync and the Metabase-compatible test server can all hand the same objects to `renderNativeQuery`.
 */

/** Metabase's template-tag object (`dataset_query.native["template-tags"][name]`). */
export interface TemplateTag {
  name: string;
  "display-name": string;
  id?: string;
  type: "text" | "number" | "date" | "boolean" | "dimension" | "snippet" | "card";
  required?: boolean;
  default?: unknown;
  /** Legacy `["field", 12, null]`, MBQL5 `["field", {}, 12]`, or ours: `["pilotage-column", "schema.table.column"]`. */
  dimension?: unknown;
  "widget-type"?: string;
  options?: Record<string, unknown>;
}

/** A parameter as Metabase receives it at run time. */
export interface TemplateParameter {
  /** "category", "number/=", "date/single", "string/=", "id", "date/all-options", … */
  type: string;
  /** `["variable", ["template-tag", name]]` or `["dimension", ["template-tag", name]]`; a third element may follow. */
  target: unknown;
  value?: unknown;
  default?: unknown;
  id?: string;
  slug?: string;
}

/**
 * The warehouse column a field filter targets. `type` is optional: Metabase renders date filters differently on
 * `date` columns (`BETWEEN`, `=`) and on timestamp columns (half-open `>= … AND < …`). Without a type the
 * half-open form is used, which selects the same rows on both kinds of column.
 */
export interface ResolvedColumn {
  schema: string;
  table: string;
  column: string;
  type?: ColumnType;
}

export type ColumnType = "text" | "number" | "date" | "datetime" | "boolean";

export interface RenderOptions {
  /** Maps a field filter's `dimension` to its column; throws TemplateError when it is unknown. */
  resolveField(dimension: unknown): ResolvedColumn;
  /**
   * "Now", for relative dates (`past30days`, `thisyear`…). Defaults to the current time. Relative ranges are
   * computed on the calendar of `timeZone` (Metabase uses its report timezone).
   */
  now?: Date;
  /** IANA time zone for relative dates; defaults to Europe/Paris. */
  timeZone?: string;
}

export interface RenderedQuery {
  /** Parameterised SQL for Postgres: `$1, $2, …` in order. */
  sql: string;
  /** The bound values, `values[i]` for `$(i + 1)`. */
  values: unknown[];
}
