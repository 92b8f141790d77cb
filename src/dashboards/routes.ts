import { Router, type RequestHandler } from "express";
import { createEmbedService } from "../embed/embed-service.js";
import { probeMetabaseHealth } from "../metabase/health.js";
import { countDependencyFailure } from "../metrics/metrics.js";
import { DependencyError } from "../errors.js";
import { createLoadMarkerReader } from "../warehouse/load-marker.js";
import { dashboardsApi } from "./api-routes.js";
import { createDashboardView, type DashboardsDeps } from "./dashboard-view.js";
import { createMetabaseStatus } from "./metabase-status.js";
import { dashboardPagesRouter } from "./page-routes.js";
import { publicDashboardsRouter } from "./public-routes.js";
import { dashboardUsageRouter } from "./usage-routes.js";

export type { DashboardsDeps } from "./dashboard-view.js";

/**
 * Everything about dashboards, one router per audience: the pages of placed people (hub and dashboards),
 * the public pages and the staff usage page (issue 8) in `pages`; the dashboards API with its embed-URL
 * renewal in `api`, mounted apart (src/app.ts mounts it before the other pages' routers: it is the hot
 * path, renewed by every open dashboard). The embed service and Metabase's health are built once here
 * and shared.
 */

/** How long a dashboard page waits for Metabase's health endpoint before saying it is unreachable. */
const HEALTH_TIMEOUT_MS = 1_500;

export function dashboardsRouters(deps: DashboardsDeps): {
  api: Router;
  pages: Router;
  /** The embed URL's renewal handlers, for the route answered before the rest of the stack (src/app.ts). */
  embedRenewal: RequestHandler[];
} {
  const now = deps.now ?? (() => new Date());
  const siteUrl = deps.config.metabase.siteUrl;
  const embed =
    deps.embed ??
    createEmbedService({
      db: deps.db,
      siteUrl,
      secretKey: deps.config.metabase.embeddingSecretKey,
      ttlSeconds: deps.config.metabase.embedTokenTtlSeconds,
      now,
      metrics: deps.metrics,
    });
  // The probe goes to Metabase as this server reaches it, which is not the browser's address behind compose.
  const internalUrl = deps.config.metabase.internalUrl;
  const metabaseStatus =
    deps.metabaseStatus ??
    (internalUrl
      ? createMetabaseStatus({
          probe: async () => {
            const up = await probeMetabaseHealth({ siteUrl: internalUrl, timeoutMs: HEALTH_TIMEOUT_MS });
            // Counted once per probe (one every few seconds at most while Metabase is down), not per page.
            if (!up) countDependencyFailure(deps.metrics, new DependencyError("metabase", "unavailable"));
            return up;
          },
        })
      : undefined);
  const loadMarker = deps.loadMarker ?? createLoadMarkerReader({ warehouse: deps.warehouse });
  const view = createDashboardView({ ...deps, now, embed, metabaseStatus, loadMarker });

  const pages = Router();
  pages.use(dashboardPagesRouter({ catalog: deps.catalog, view }));
  pages.use(
    publicDashboardsRouter({
      catalog: deps.catalog,
      view,
      config: deps.config,
      limitAnonymous: deps.limitPublicPages,
      resultCache: deps.resultCache,
      countView: deps.countView,
    }),
  );
  pages.use(dashboardUsageRouter({ catalog: deps.catalog, db: deps.db, now }));
  const api = dashboardsApi({
    catalog: deps.catalog,
    embed,
    redis: deps.redis,
    loadMarker,
    territories: deps.territories,
    now,
  });
  return { api: api.router, pages, embedRenewal: api.embedRenewal };
}
