import { Router, type RequestHandler } from "express";
import { getSessionUser } from "../auth/session.js";
import type { Catalog, Dashboard } from "../catalog/index.js";
import { NotFoundError } from "../errors.js";
import { renderPage } from "../http/render.js";
import { currentProfile, profileOrThrow, requireProfile } from "../perimeter/session-profile.js";
import {
  dashboardPath,
  hubSections,
  isPublicDashboard,
  publicDashboards,
  territoryOf,
} from "./dashboard-pages.js";
import type { DashboardView } from "./dashboard-view.js";

/** Pages for people: the hub, and the dashboards a placed person may open. */

export const keyOf = (req: { params: Record<string, unknown> }) => String(req.params.key ?? "");

export function dashboardFinder(catalog: Catalog): (key: string) => Dashboard {
  const dashboards = new Map(catalog.dashboards.map((d) => [d.key, d]));
  return (key) => {
    const dashboard = dashboards.get(key);
    if (!dashboard) throw new NotFoundError("Ce tableau de bord n'existe pas ou a été retiré.");
    return dashboard;
  };
}

export function dashboardPagesRouter(deps: { catalog: Catalog; view: DashboardView }): Router {
  const { catalog, view } = deps;
  const findDashboard = dashboardFinder(catalog);
  const router = Router();

  router.get("/tableaux-de-bord", async (req, res) => {
    const user = getSessionUser(req);
    const profile = currentProfile(req);
    await renderPage(req, res, "dashboards/hub", {
      title: "Tableaux de bord",
      loggedIn: !!user,
      placed: !!profile,
      organisationLabel: profile?.organisationLabel ?? null,
      territory: profile ? territoryOf(profile.perimeter) : null,
      sections: hubSections(catalog, profile).map((s) => ({
        theme: s.theme,
        dashboards: s.dashboards.map((d) => ({ ...d, href: dashboardPath(d) })),
      })),
      publicDashboards: publicDashboards(catalog).map((d) => ({ ...d, href: dashboardPath(d) })),
    });
  });

  // A public dashboard has its own address, open to anyone; the others need a placed person.
  const publicAtItsAddress: RequestHandler = (req, res, next) => {
    const dashboard = findDashboard(keyOf(req));
    if (isPublicDashboard(dashboard)) return res.redirect(303, dashboardPath(dashboard));
    next();
  };
  router.get("/tableaux-de-bord/:key", publicAtItsAddress, requireProfile, async (req, res) => {
    await view.show(req, res, findDashboard(keyOf(req)), profileOrThrow(req));
  });

  return router;
}
