import type { Database } from "../../../src/storage/database.js";
import type { ServerContext } from "./context.js";
import { nativeOf } from "./mbql.js";
import type { QueryParameter } from "./parameters.js";
import { validateCardParameters } from "./parameter-types.js";
import { checkParameterTargets, checkTemplateTags } from "./query-checks.js";
import { isRenderFailure, type FieldMetadata, type NativeRenderer } from "./renderer.js";
import type { Card, MetabaseState } from "./state.js";
import type { MetabaseVersion } from "./version.js";
import { runSql } from "./warehouse.js";

/**
 * Running a card's native SQL the way `/api/embed` does (metabase-contract.md §1.4 step 6): the template
 * language rendered to bound parameters, the SQL run against the warehouse, and Metabase's result shape,
 * status 202 (query errors are reported inside a 202 body by the versions modelled here).
 */

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

function failed(error: string, errorType: string): QueryResponse {
  return { status: 202, body: { status: "failed", error, error_type: errorType } };
}

/** Error types whose message an embed may show (`show-in-embeds?`); every other failure is generic. */
const SHOWN = new Set(["missing-required-parameter"]);
const GENERIC = "An error occurred while running the query.";

export interface ExecuteDeps {
  state: MetabaseState;
  warehouse: Database;
  warehouseDatabaseId: number;
  render: NativeRenderer;
  log: ExecutedQuery[];
  now: Date;
  timeZone: string;
  version: MetabaseVersion;
}

export function executeDeps(ctx: ServerContext): ExecuteDeps {
  return {
    state: ctx.state,
    warehouse: ctx.warehouse,
    warehouseDatabaseId: ctx.warehouseDatabaseId,
    render: ctx.render,
    log: ctx.queryLog,
    now: new Date(ctx.nowSeconds() * 1000),
    timeZone: ctx.timeZone,
    version: ctx.version,
  };
}

/** The synced warehouse as Metabase's metadata provider sees it: field id → column and effective type. */
export function fieldLookup(state: MetabaseState): (dimension: unknown) => FieldMetadata | undefined {
  const fields = new Map<number, FieldMetadata>();
  for (const db of state.databases.values()) {
    for (const table of db.tables) {
      for (const field of table.fields) {
        fields.set(field.id, {
          id: field.id,
          schema: table.schema,
          table: table.name,
          name: field.name,
          baseType: field.effective_type,
        });
      }
    }
  }
  return (dimension) => {
    const id = Array.isArray(dimension) && dimension[0] === "field" ? dimension[1] : undefined;
    return typeof id === "number" ? fields.get(id) : undefined;
  };
}

export async function executeCard(
  deps: ExecuteDeps,
  card: Card,
  parameters: QueryParameter[],
  context: "embedded-question" | "embedded-dashboard" | "question",
): Promise<QueryResponse> {
  const startedAt = new Date();
  const native = nativeOf(card.dataset_query);
  if (!native || card.database_id !== deps.warehouseDatabaseId) return failed(GENERIC, "invalid-query");

  let rendered: { sql: string; values: unknown[] };
  try {
    checkTemplateTags(native.tags);
    checkParameterTargets(parameters as unknown as Record<string, unknown>[], deps.version);
    // Dashboards resolved and checked their mappings already (`*allow-arbitrary-mbql-parameters*`).
    if (context !== "embedded-dashboard") {
      validateCardParameters(card.id, native.tags, parameters as unknown as Record<string, unknown>[]);
    }
    rendered = deps.render({
      sql: native.sql,
      tags: native.tags,
      parameters: parameters as unknown as Record<string, unknown>[],
      field: fieldLookup(deps.state),
      now: deps.now,
      timeZone: deps.timeZone,
      version: deps.version,
    });
  } catch (error) {
    if (!isRenderFailure(error)) throw error;
    if (SHOWN.has(error.errorType) || context === "question") return failed(error.message, error.errorType);
    return failed(GENERIC, error.errorType === "unsupported" ? "invalid-query" : error.errorType);
  }
  deps.log.push({ cardId: card.id, context, parameters, sql: rendered.sql, values: rendered.values });

  let result;
  try {
    result = await runSql(deps.warehouse, rendered.sql, rendered.values);
  } catch (error) {
    if (context === "question")
      return failed(error instanceof Error ? error.message : String(error), "invalid-query");
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
        results_timezone: deps.timeZone,
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
