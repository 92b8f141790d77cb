import type { Database } from "../../../src/storage/database.js";
import { renderNativeQuery, TemplateError, type ResolvedColumn } from "../../../src/template/index.js";
import { nativeOf } from "./mbql.js";
import type { QueryParameter } from "./parameters.js";
import type { Card, MetabaseState } from "./state.js";
import { runSql } from "./warehouse.js";

/**
 * Running a card's native SQL the way `/api/embed` does (metabase-contract.md §1.4 step 6): the template
 * language rendered to bound parameters, the SQL run against the warehouse, and Metabase's result shape,
 * status 202 (query errors are reported inside a 202 body by the versions modelled here).
 */

/** The project's renderer of Metabase's template language (`src/template/`), injectable so a test can swap it. */
export type RenderNativeQuery = typeof renderNativeQuery;

/** Unaggregated native results stop at 2,000 rows (`MB_UNAGGREGATED_QUERY_ROW_LIMIT`). */
export const ROW_LIMIT = 2000;

/** What the server ran, for tests that want to see the SQL and its bound values. */
export interface ExecutedQuery {
  cardId: number;
  context: string;
  parameters: QueryParameter[];
  sql: string;
  values: unknown[];
}

export interface QueryResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Error types whose message an embed may show (`show-in-embeds?`); every other failure is generic. */
const MISSING_PARAMETER = [
  /^You'll need to pick a value for /,
  /^Cannot run the query: missing required parameters/,
];

function failed(error: string, errorType: string): QueryResponse {
  return { status: 202, body: { status: "failed", error, error_type: errorType } };
}

const GENERIC = "An error occurred while running the query.";

export interface ExecuteDeps {
  state: MetabaseState;
  warehouse: Database;
  warehouseDatabaseId: number;
  render: RenderNativeQuery;
  log: ExecutedQuery[];
  now: Date;
}

export function fieldResolver(state: MetabaseState): (dimension: unknown) => ResolvedColumn {
  const fields = new Map<number, ResolvedColumn>();
  for (const db of state.databases.values()) {
    for (const table of db.tables) {
      for (const field of table.fields)
        fields.set(field.id, { schema: table.schema, table: table.name, column: field.name });
    }
  }
  return (dimension) => {
    const id =
      Array.isArray(dimension) && dimension[0] === "field"
        ? [dimension[1], dimension[2]].find((x) => typeof x === "number")
        : undefined;
    const resolved = typeof id === "number" ? fields.get(id) : undefined;
    if (!resolved) {
      throw new TemplateError(`Unknown field reference ${JSON.stringify(dimension)}`, {
        code: "invalid-query",
      });
    }
    return resolved;
  };
}

export async function executeCard(
  deps: ExecuteDeps,
  card: Card,
  parameters: QueryParameter[],
  context: "embedded-question" | "embedded-dashboard",
): Promise<QueryResponse> {
  const startedAt = new Date();
  const native = nativeOf(card.dataset_query);
  if (!native || card.database_id !== deps.warehouseDatabaseId) return failed(GENERIC, "invalid-query");

  let rendered: { sql: string; values: unknown[] };
  try {
    rendered = deps.render(native.sql, native.tags as Record<string, never>, parameters as never[], {
      resolveField: fieldResolver(deps.state),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (MISSING_PARAMETER.some((re) => re.test(message)))
      return failed(message, "missing-required-parameter");
    return failed(GENERIC, "invalid-query");
  }
  deps.log.push({ cardId: card.id, context, parameters, sql: rendered.sql, values: rendered.values });

  let result;
  try {
    result = await runSql(deps.warehouse, rendered.sql, rendered.values);
  } catch {
    return failed(GENERIC, "invalid-query");
  }
  const truncated = result.rows.length > ROW_LIMIT;
  const rows = truncated ? result.rows.slice(0, ROW_LIMIT) : result.rows;
  return {
    status: 202,
    body: {
      data: {
        rows,
        cols: result.cols,
        results_timezone: "UTC",
        insights: null,
        ...(truncated ? { rows_truncated: ROW_LIMIT } : {}),
      },
      database_id: card.database_id,
      started_at: startedAt.toISOString(),
      json_query: { type: "native", database: card.database_id, parameters },
      status: "completed",
      context,
      row_count: rows.length,
      running_time: Date.now() - startedAt.getTime(),
    },
  };
}
