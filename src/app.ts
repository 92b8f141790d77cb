import "./zod-locale.js";
import path from "node:path";
import express, { type Express, type Router } from "express";
import type { Redis } from "ioredis";
import { openSessions } from "./auth/open-sessions.js";
import { authRouter, LOGOUT_PATH, type OnLogin } from "./auth/routes.js";
import { leanSession } from "./auth/lean-session.js";
import { createSessionStore, enforceSessionLifetime, sessionMiddleware } from "./auth/session.js";
import type { Config } from "./config.js";
import { healthRouter } from "./health/routes.js";
import { publicPagesLimit } from "./dashboards/public-routes.js";
import { EMBED_RENEWAL_PATH } from "./dashboards/api-routes.js";
import { dashboardsRouters } from "./dashboards/routes.js";
import { homeRouter } from "./home/routes.js";
import { loadLegalContent, type LegalContent } from "./legal/legal-content.js";
import { legalRouter } from "./legal/routes.js";
import { openApiRouter } from "./openapi/routes.js";
import { requestDeadline } from "./http/deadline.js";
import { createErrorHandler, notFoundHandler } from "./http/error-handler.js";
import { requestLogging } from "./http/request-logging.js";
import { refuseCrossOriginWrites } from "./http/same-origin.js";
import { securityHeaders } from "./http/security-headers.js";
import type { ResultCache } from "./cache/result-cache.js";
import type { Catalog } from "./catalog/index.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics/metrics.js";
import { recordRequestDurations } from "./metrics/request-durations.js";
import { warehouseDirectory } from "./perimeter/organisation-directory.js";
import type { PlacementRules } from "./perimeter/placement.js";
import { createPlacementService } from "./perimeter/placement-service.js";
import { describeProfileForApi, perimeterRouter } from "./perimeter/routes.js";
import { attachTerritoryReference } from "./perimeter/narrowed-profile.js";
import { placeOnLogin, profileIsCurrent, refreshProfile } from "./perimeter/session-profile.js";
import { notesRouter } from "./notes/routes.js";
import { createPageViewCounter, type PageViewCounter } from "./audit/page-views.js";
import { questionsRouter } from "./questions/routes.js";
import { staffRouter } from "./staff/routes.js";
import type { Database } from "./storage/database.js";
import { createTerritoryReferenceReader, type TerritoryReferenceReader } from "./territories/reference.js";
import { createLoadMarkerReader, type LoadMarkerReader } from "./warehouse/load-marker.js";
import { PROJECT_ROOT } from "./project-root.js";

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** The gateway database: grants, audit log, visits, access requests. */
  db: Database;
  /** The warehouse, read-only. */
  warehouse: Database;
  /** Absent in the demo: sessions, rate limits and caches then live in memory. */
  redis: Redis | undefined;
  /** The demo ProConnect-like provider, mounted in-process by `npm run demo` (src/demo-idp/in-process.ts). */
  demoIdentityProvider?: { path: string; router: Router };
  /** Runs after each successful login, after the placement, before the session is saved (src/auth/routes.ts). */
  onLogin?: OnLogin;
  /** The data team's questions and dashboards (sql/, metabase-config/), loaded and validated at start-up. */
  catalog: Catalog;
  /** How ProConnect's claims are trusted (metabase-config/placement.yaml). */
  placementRules: PlacementRules;
  /** Prometheus metrics (src/metrics/metrics.ts); tests may leave it out. */
  metrics?: Metrics;
  /** The warehouse's load marker (cut-off date, data version); read from the warehouse when absent. */
  loadMarker?: LoadMarkerReader;
  /**
   * The result cache of cards and public pages (src/cache/result-cache.ts), keyed on the load marker's
   * data version; absent, every view runs its cards (tests that change the warehouse under a page).
   */
  resultCache?: ResultCache;
  /** The bassins and EPCI of each département (narrowing); read from the warehouse when absent. */
  territories?: TerritoryReferenceReader;
  /** Counts views of public dashboards and notes in batches; one is built (and flushed on its timer) when absent. */
  pageViews?: PageViewCounter;
  /** The publisher's facts for the legal pages; read from content/mentions-legales.yaml when absent. */
  legalContent?: LegalContent;
  /** The clock of embed tokens and relative dates (tests move it; the real one by default). */
  now?: () => Date;
}

const ROOT = PROJECT_ROOT;
const STATIC_OPTIONS = { immutable: false, maxAge: "1h", index: false } as const;

/** Builds the Express application from its dependencies; never listens, never reads the environment. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, redis } = deps;
  const app = express();
  app.disable("x-powered-by");
  if (config.http.trustProxy !== undefined) app.set("trust proxy", config.http.trustProxy);

  const directory = warehouseDirectory(deps.warehouse);
  const placement = createPlacementService({
    db: deps.db,
    directory,
    rules: deps.placementRules,
    metrics: deps.metrics,
  });
  // A grant change ends the sessions of the people it concerns (src/auth/open-sessions.ts).
  const sessions = openSessions({ redis, lifetimeMs: config.session.absoluteTimeoutSeconds * 1000 });
  const placeAtLogin = placeOnLogin(placement, sessions);
  const territories = deps.territories ?? createTerritoryReferenceReader({ warehouse: deps.warehouse });
  const loadMarker = deps.loadMarker ?? createLoadMarkerReader({ warehouse: deps.warehouse });
  const now = deps.now ?? (() => new Date());
  const pageViews =
    deps.pageViews ??
    createPageViewCounter({
      db: deps.db,
      onError: (error) => logger.warn({ err: error }, "page views not recorded (kept for the next flush)"),
    });
  const countView = (view: Parameters<PageViewCounter["count"]>[0]) => pageViews.count(view);
  const limitPublicPages = publicPagesLimit({ config, redis });
  const dashboards = dashboardsRouters({ ...deps, loadMarker, countView, territories, limitPublicPages });
  const profileMaxAgeMs = config.placement.cacheSeconds * 1000;
  const sessionStore = createSessionStore({ config, redis });
  const proconnectOrigin = config.proconnect.issuer ? new URL(config.proconnect.issuer).origin : undefined;
  const headers = securityHeaders({
    metabaseOrigin: config.metabase.siteUrl ? new URL(config.metabase.siteUrl).origin : undefined,
    matomoOrigin: config.matomo ? new URL(config.matomo.url).origin : undefined,
    production: config.env === "production",
    formActionOrigins:
      proconnectOrigin && proconnectOrigin !== new URL(config.http.publicUrl).origin
        ? [proconnectOrigin]
        : [],
  });

  app.use(requestLogging(logger));
  if (deps.metrics) app.use(recordRequestDurations(deps.metrics));
  app.use(requestDeadline(config.limits.requestDeadlineMs));
  app.use(headers);
  // Every page learns whether audience measurement is configured (the consent banner, the footer's link).
  const audience = config.matomo ?? null;
  app.use((_req, res, next) => {
    res.locals.audience = audience;
    next();
  });
  // The embed-URL renewal, asked by every open dashboard, answered before the rest of the stack, on a
  // session read without express-session's bookkeeping. Any case but the plain one goes on to the full
  // stack below (src/auth/lean-session.ts).
  app.get(
    EMBED_RENEWAL_PATH,
    leanSession({
      config,
      store: sessionStore,
      accepts: (req) => profileIsCurrent(req, profileMaxAgeMs),
      metrics: deps.metrics,
    }),
    attachTerritoryReference(territories),
    ...dashboards.embedRenewal,
  );
  app.use(
    healthRouter({
      ...(redis ? { redis: async () => void (await redis.ping()) } : {}),
      database: () => deps.db.ping(),
      warehouse: () => deps.warehouse.ping(),
    }),
  );
  app.use("/static/dsfr", express.static(path.join(ROOT, "node_modules/@gouvfr/dsfr/dist"), STATIC_OPTIONS));
  app.use("/static/app", express.static(path.join(ROOT, "public"), STATIC_OPTIONS));

  if (deps.demoIdentityProvider) app.use(deps.demoIdentityProvider.path, deps.demoIdentityProvider.router);
  app.use(sessionMiddleware({ config, redis, store: sessionStore }));
  app.use(enforceSessionLifetime({ config, logger }));
  // Before the profile is read: it carries its bassins and EPCI (issue 19, narrowing).
  app.use(attachTerritoryReference(territories));
  app.use(refreshProfile({ service: placement, maxAgeMs: profileMaxAgeMs }));
  // Logout answers a cross-origin post with its own page (src/auth/routes.ts); every other POST is refused here.
  app.use(refuseCrossOriginWrites(new URL(config.http.publicUrl).origin, { except: [LOGOUT_PATH] }));
  // The renewals the lean read left, and the rest of the dashboards API, go through no other router.
  app.use(dashboards.api);
  app.use(
    authRouter({
      config,
      logger,
      redis,
      demoProvider: deps.demoIdentityProvider !== undefined || config.proconnect.demoAccounts,
      onLogin: async (user, req) => {
        await placeAtLogin(user, req);
        await deps.onLogin?.(user, req);
      },
      describeProfile: describeProfileForApi,
    }),
  );

  app.use(homeRouter({ config }));
  app.use(legalRouter({ config, content: deps.legalContent ?? loadLegalContent() }));
  app.use(perimeterRouter({ db: deps.db, redis }));
  // Before the dashboards router: it re-checks staff rights for every /admin page, /admin/usage included.
  app.use(staffRouter({ db: deps.db, warehouse: deps.warehouse, directory, sessions, redis }));
  app.use(dashboards.pages);
  app.use(
    notesRouter({
      catalog: deps.catalog,
      warehouse: deps.warehouse,
      resultCache: deps.resultCache,
      config,
      limitPublicPages,
      loadMarker,
      now,
      countView,
      territories,
    }),
  );
  app.use(questionsRouter({ ...deps, redis, territories }));
  app.use(openApiRouter());

  app.use(notFoundHandler);
  app.use(createErrorHandler({ metrics: deps.metrics }));
  return app;
}
