import type { Router } from "express";
import { currentUser, idParam, type ServerContext } from "./context.js";
import { notFound } from "./errors.js";
import { dashboardJson, dashboardSummaryJson } from "./json.js";
import { dashboardOr404, resolveCollectionId } from "./object-access.js";
import { updateDashboard } from "./dashboard-update.js";
import { DashboardCreate, DashboardUpdate, parseBody } from "./schemas.js";
import { ENTITY_ID, newEntityId, nowIso, type Dashboard } from "./state.js";
import { trashFields } from "./trash.js";

/** Dashboards (metabase-contract.md §2.7). */
export function dashboardRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;
  router.get("/dashboard", (req, res) => {
    const f = typeof req.query.f === "string" ? req.query.f : "all";
    const userId = currentUser(res).id;
    const dashboards = [...state.dashboards.values()].filter((d) =>
      f === "archived" ? d.archived : !d.archived && (f !== "mine" || d.creator_id === userId),
    );
    res.json(dashboards.map((d) => dashboardSummaryJson(state, d)));
  });
  router.get("/dashboard/:id", (req, res) => {
    const raw = String(req.params.id);
    const dashboard =
      ctx.features.entityIdResources && ENTITY_ID.test(raw)
        ? [...state.dashboards.values()].find((d) => d.entity_id === raw)
        : state.dashboards.get(idParam(req));
    if (!dashboard) throw notFound();
    res.json({
      ...dashboardJson(state, dashboard, { mbql5: ctx.features.mbql5ReadBack }),
      ...trashFields(state, dashboard),
    });
  });
  router.post("/dashboard", (req, res) => {
    const body = parseBody(DashboardCreate, req.body);
    const collectionId = resolveCollectionId(ctx, body.collection_id);
    const id = state.nextId("dashboard");
    const now = nowIso();
    const dashboard: Dashboard = {
      id,
      entity_id: newEntityId(),
      name: body.name,
      description: body.description ?? null,
      parameters: (body.parameters ?? []) as Record<string, unknown>[],
      collection_id: collectionId,
      collection_position: body.collection_position ?? null,
      cache_ttl: body.cache_ttl ?? null,
      width: "fixed",
      auto_apply_filters: true,
      enable_embedding: false,
      embedding_params: null,
      embedding_type: null,
      archived: false,
      archived_directly: false,
      creator_id: currentUser(res).id,
      created_at: now,
      updated_at: now,
      dashcards: [],
      tabs: [],
    };
    state.dashboards.set(id, dashboard);
    res.json(dashboardJson(state, dashboard, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.put("/dashboard/:id", (req, res) => {
    const body = parseBody(DashboardUpdate, req.body);
    const dashboard = dashboardOr404(ctx, idParam(req));
    updateDashboard(ctx, res, dashboard, body);
    res.json({
      ...dashboardJson(state, dashboard, { mbql5: ctx.features.mbql5ReadBack }),
      ...trashFields(state, dashboard),
    });
  });
  router.delete("/dashboard/:id", (req, res) => {
    const dashboard = dashboardOr404(ctx, idParam(req));
    state.dashboards.delete(dashboard.id);
    res.status(204).end();
  });
}
