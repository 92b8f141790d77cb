import { Router } from "express";
import { weeklyUsage } from "../audit/visits.js";
import type { Catalog } from "../catalog/index.js";
import { renderPage } from "../http/render.js";
import { requireStaff } from "../perimeter/session-profile.js";
import type { Database } from "../storage/database.js";

/** Staff: visits, people and organisations per dashboard and week (issue 8). */
export function dashboardUsageRouter(deps: { catalog: Catalog; db: Database; now: () => Date }): Router {
  const { catalog, db } = deps;
  const titles = new Map(catalog.dashboards.map((d) => [d.key, d.title]));
  const router = Router();
  router.get("/admin/usage", requireStaff, async (req, res) => {
    const usage = await weeklyUsage(db, { weeks: 12, now: deps.now() });
    const visited = new Set(usage.map((row) => row.dashboardKey));
    await renderPage(req, res, "dashboards/usage", {
      title: "Fréquentation des tableaux de bord",
      rows: usage.map((row) => ({ ...row, title: titles.get(row.dashboardKey) ?? row.dashboardKey })),
      unvisited: catalog.dashboards.filter((d) => !visited.has(d.key)).map((d) => d.title),
    });
  });
  return router;
}
