import { Router, type Request, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { SESSION_COOKIE_NAME, getSessionUser } from "../auth/session.js";
import { publicPageCache } from "../cache/public-pages.js";
import type { ResultCache } from "../cache/result-cache.js";
import type { Catalog } from "../catalog/index.js";
import type { Config } from "../config.js";
import { NotFoundError } from "../errors.js";
import { rateLimit } from "../http/rate-limit.js";
import { currentProfile } from "../perimeter/session-profile.js";
import { isPublicDashboard } from "./dashboard-pages.js";
import type { DashboardView } from "./dashboard-view.js";
import { keyOf } from "./page-routes.js";

/**
 * Neither a person in the session nor a session cookie: the page can hold nothing personal (public
 * dashboards and public notes alike).
 */
export const isAnonymous = (req: Request) =>
  !getSessionUser(req) && !(req.headers.cookie ?? "").includes(`${SESSION_COOKIE_NAME}=`);

/**
 * The one limit of public pages, dashboards and notes alike: anonymous visitors per address
 * (PUBLIC_RATE_LIMIT_PER_MINUTE), in one count; logged-in people are accountable and not limited, and a
 * made-up cookie does not make anyone logged in. Built once per application (src/app.ts).
 */
export function publicPagesLimit(deps: {
  config: Pick<Config, "publicRateLimitPerMinute">;
  redis: Redis | undefined;
}): RequestHandler {
  const perAddress = rateLimit({
    name: "public-pages",
    points: deps.config.publicRateLimitPerMinute,
    windowSeconds: 60,
    redis: deps.redis,
  });
  return (req, res, next) => (getSessionUser(req) ? next() : perAddress(req, res, next));
}

/**
 * Public dashboards, open to anyone without login, at their own address. Anonymous visits are limited
 * (publicPagesLimit) and, with a result cache, served whole from it.
 */
export function publicDashboardsRouter(deps: {
  catalog: Catalog;
  view: DashboardView;
  config: Pick<Config, "cache">;
  /** The anonymous visitors' limit shared with public notes (publicPagesLimit). */
  limitAnonymous: RequestHandler;
  resultCache?: ResultCache | undefined;
  /** Counts a view of a public dashboard; the route's view counts the pages it renders itself. */
  countView?: ((view: { kind: "dashboard"; key: string; signedIn: boolean }) => void) | undefined;
}): Router {
  const dashboards = new Map(deps.catalog.dashboards.map((d) => [d.key, d]));
  const router = Router();
  router.get(
    "/public/:key",
    deps.limitAnonymous,
    publicPageCache({
      cache: deps.resultCache,
      ttlSeconds: deps.config.cache.publicPageSeconds,
      isAnonymous,
      // A page from the cache is a view too: the usage page counts visitors, not renderings.
      onCacheHit: (req) => {
        const dashboard = dashboards.get(keyOf(req));
        if (dashboard && isPublicDashboard(dashboard))
          deps.countView?.({ kind: "dashboard", key: dashboard.key, signedIn: false });
      },
    }),
    async (req, res) => {
      const dashboard = dashboards.get(keyOf(req));
      // Only public dashboards exist here: a private key is "not found", like an unknown one.
      if (!dashboard || !isPublicDashboard(dashboard))
        throw new NotFoundError("Ce tableau de bord public n'existe pas.");
      await deps.view.show(req, res, dashboard, currentProfile(req));
    },
  );
  return router;
}
