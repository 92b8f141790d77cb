import { CONFORMANCE_TABLE } from "../support/metabase-server/fixture.js";

/**
 * One row of the conformance table: a native query, its template tags and run-time parameters, and what
 * Metabase does with them — facts read in Metabase's own tests (or, where a row says so, in the source function
 * it names), restated for Postgres and for the small fixture table `conformance_places`. Both renderers (the
 * gateway's `src/template/` and the test server's `native-query/`) run every row; conformance.test.ts compares.
 */

export type Category =
  | "optional clauses"
  | "required tags without a value"
  | "text field filters"
  | "number field filters"
  | "date field filters"
  | "lists, [] and null"
  | "raw values by type"
  | "comments and strings containing {{"
  | "refused features";

export const CATEGORIES: readonly Category[] = [
  "optional clauses",
  "required tags without a value",
  "text field filters",
  "number field filters",
  "date field filters",
  "lists, [] and null",
  "raw values by type",
  "comments and strings containing {{",
  "refused features",
];

export interface TagSpec {
  name: string;
  type: "text" | "number" | "date" | "dimension" | "snippet" | "card" | "temporal-unit";
  /** Default: the name. */
  display?: string;
  required?: boolean;
  default?: unknown;
  /** Field filters: the column of `conformance_places`. */
  column?: string;
  /** Field filters: the widget (default `category`). */
  widget?: string;
  options?: Record<string, unknown>;
  /** Other keys Metabase's tag carries (`snippet-name`, `card-id`…). */
  extra?: Record<string, unknown>;
}

export interface ParamSpec {
  /** The tag it targets, by name (`["variable"|"dimension", ["template-tag", tag]]`). */
  tag: string;
  type: string;
  value?: unknown;
  default?: unknown;
  /** A literal target instead of the one built from `tag`. */
  target?: unknown;
}

export type Expectation =
  | {
      /**
       * Metabase's SQL for Postgres, `?` for each bound value (compared after normalising, see compare.ts). Left
       * out only where both renderers refuse the row and Metabase's text was not read (the rows still are).
       */
      sql?: string;
      params?: unknown[];
      /** The `id`s the query selects from `conformance_places`, in order. */
      rows: number[];
    }
  | {
      error: {
        /** Metabase's error type, or `sql` for a statement Postgres refuses. */
        type: "invalid-query" | "missing-required-parameter" | "invalid-parameter" | "sql";
        /** The message the API shows, when the row pins it. */
        message?: string;
      };
    };

export interface Row {
  id: string;
  category: Category;
  /** Where the fact comes from: a Metabase test (`file` under test/, `test` = deftest › testing), or a source function. */
  source: { file: string; test: string };
  sql: string;
  tags: TagSpec[];
  params?: ParamSpec[];
  /** Values go through the embedding API's normalisation first (from v51, an empty list becomes null). */
  embed?: boolean;
  /** "Now" (ISO instant) and the clock's zone; default 2016-06-07T12:13:55Z in UTC, the clock of Metabase's tests. */
  now?: string;
  timeZone?: string;
  /** Majors of Metabase this row describes (default: every pinned version). */
  versions?: { from?: number; to?: number };
  expect: Expectation;
  /**
   * Where a renderer deliberately does less than Metabase: `refuses` (it must throw its "unsupported" error, never
   * render something else), or `sql-text` (rows and values must match; the SQL's wording may not).
   */
  gateway?: { refuses: string } | { sqlText: string };
  oracle?: { refuses: string };
}

export const T = CONFORMANCE_TABLE;

/** `"public"."conformance_places"."<column>"`, as Metabase writes a field filter's column. */
export function col(name: string): string {
  return `"public"."${CONFORMANCE_TABLE}"."${name}"`;
}

export const ALL_IDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

export const DEFAULT_NOW = "2016-06-07T12:13:55Z";
export const DEFAULT_TIME_ZONE = "UTC";

export function appliesTo(row: Row, major: number): boolean {
  return (row.versions?.from ?? 0) <= major && major <= (row.versions?.to ?? Infinity);
}
