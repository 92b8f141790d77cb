import { Router } from "express";
import type { Catalog } from "../catalog/index.js";
import { NotFoundError } from "../errors.js";
import { currentProfile } from "../perimeter/session-profile.js";
import { isPublicDashboard } from "./dashboard-pages.js";
import type { DashboardView } from "./dashboard-view.js";
import { keyOf } from "./page-routes.js";

/** Public dashboards, open to anyone without login, at their own address. */
export function publicDashboardsRouter(deps: { catalog: Catalog; view: DashboardView }): Router {
  const dashboards = new Map(deps.catalog.dashboards.map((d) => [d.key, d]));
  const router = Router();
  router.get("/public/:key", async (req, res) => {
    const dashboard = dashboards.get(keyOf(req));
    // Only public dashboards exist here: a private key is "not found", like an unknown one.
    if (!dashboard || !isPublicDashboard(dashboard))
      throw new NotFoundError("Ce tableau de bord public n'existe pas.");
    await deps.view.show(req, res, dashboard, currentProfile(req));
  });
  return router;
}
