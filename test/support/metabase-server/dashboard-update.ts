import type { Response } from "express";
import type { ServerContext } from "./context.js";
import { archivedError, plainError } from "./errors.js";
import { cardOr404, checkAllowedToChangeEmbedding, has, resolveCollectionId } from "./object-access.js";
import type { DashboardUpdate } from "./schemas.js";
import { newEntityId, nowIso, type Dashboard, type DashboardCard, type DashboardTab } from "./state.js";
import { setItemArchived } from "./trash.js";

type DashboardUpdateBody = ReturnType<typeof DashboardUpdate.parse>;

/** `update-dashboard!`: checks first, then plain fields, then the tabs and the row-diff of `dashcards`. */
export function updateDashboard(
  ctx: ServerContext,
  res: Response,
  dashboard: Dashboard,
  body: DashboardUpdateBody,
): void {
  const { state } = ctx;
  const dashcards = body.dashcards;
  // Cards newly referenced must exist (404 `Not found.`) before anything else.
  const referenced = new Set(
    (dashcards ?? [])
      .flatMap((dc) => [dc.card_id, ...(dc.series ?? []).map((s) => s.id)])
      .filter((id): id is number => typeof id === "number"),
  );
  for (const id of referenced) cardOr404(ctx, id);
  if (has(body, "collection_id")) resolveCollectionId(ctx, body.collection_id);
  checkAllowedToChangeEmbedding(ctx, res, body, dashboard);
  // Dashcards can only be changed on a dashboard that is not in the Trash (checked against the stored row,
  // so that `{archived: false, dashcards}` on an archived dashboard fails and changes nothing).
  if (dashcards && dashboard.archived) throw archivedError();

  let newDashcards: DashboardCard[] | undefined;
  let newTabs: DashboardTab[] | undefined;
  if (dashcards) {
    const tabs = body.tabs ?? [];
    const tabIds = new Map<number, number>();
    newTabs = tabs.map((tab, position) => {
      const existing = dashboard.tabs.find((t) => t.id === tab.id);
      const id = existing ? existing.id : state.nextId("tab");
      tabIds.set(tab.id, id);
      return {
        id,
        entity_id: existing?.entity_id ?? newEntityId(),
        dashboard_id: dashboard.id,
        name: tab.name,
        position,
      };
    });
    const withTabs = dashcards.map((dc) =>
      newTabs!.length === 1 && (dc.dashboard_tab_id === null || dc.dashboard_tab_id === undefined)
        ? { ...dc, dashboard_tab_id: tabs[0]!.id }
        : dc,
    );
    if (
      newTabs.length > 0 &&
      !withTabs.every((dc) => dc.dashboard_tab_id !== null && dc.dashboard_tab_id !== undefined)
    ) {
      throw plainError(400, "This dashboard has tab, makes sure every card has a tab");
    }
    const current = new Map(dashboard.dashcards.map((dc) => [dc.id, dc]));
    const now = nowIso();
    newDashcards = withTabs.map((dc) => {
      const existing = current.get(dc.id);
      if (!existing) {
        for (const id of [dc.card_id, ...(dc.series ?? []).map((s) => s.id)]) {
          if (typeof id === "number" && cardOr404(ctx, id).archived) throw archivedError();
        }
      }
      const tabId =
        dc.dashboard_tab_id === null || dc.dashboard_tab_id === undefined
          ? null
          : (tabIds.get(dc.dashboard_tab_id) ?? dc.dashboard_tab_id);
      return {
        id: existing ? existing.id : state.nextId("dashcard"),
        entity_id: existing?.entity_id ?? newEntityId(),
        dashboard_id: dashboard.id,
        card_id: dc.card_id ?? null,
        dashboard_tab_id: tabId,
        row: dc.row,
        col: dc.col,
        size_x: dc.size_x,
        size_y: dc.size_y,
        parameter_mappings: (dc.parameter_mappings ?? []) as Record<string, unknown>[],
        visualization_settings: dc.visualization_settings ?? {},
        series: (dc.series ?? []).map((s) => ({ id: s.id })),
        inline_parameters: dc.inline_parameters ?? null,
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
    });
  }

  if (body.name) dashboard.name = body.name;
  if (has(body, "description")) dashboard.description = body.description ?? null;
  if (body.parameters) dashboard.parameters = body.parameters as Record<string, unknown>[];
  if (has(body, "collection_id")) dashboard.collection_id = body.collection_id ?? null;
  if (has(body, "collection_position")) dashboard.collection_position = body.collection_position ?? null;
  if (has(body, "cache_ttl")) dashboard.cache_ttl = body.cache_ttl ?? null;
  if (body.width) dashboard.width = body.width;
  if (typeof body.auto_apply_filters === "boolean") dashboard.auto_apply_filters = body.auto_apply_filters;
  if (typeof body.enable_embedding === "boolean") dashboard.enable_embedding = body.enable_embedding;
  if (body.embedding_params) dashboard.embedding_params = body.embedding_params;
  if (has(body, "embedding_type")) dashboard.embedding_type = body.embedding_type ?? null;
  if (typeof body.archived === "boolean") {
    setItemArchived(
      ctx,
      dashboard,
      body.archived,
      has(body, "collection_id") ? body.collection_id : undefined,
    );
  }
  if (newDashcards) dashboard.dashcards = newDashcards;
  if (newTabs) dashboard.tabs = newTabs;
  dashboard.updated_at = nowIso();
}
