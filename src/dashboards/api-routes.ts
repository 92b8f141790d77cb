import { Router, type RequestHandler } from "express";
import type { Redis } from "ioredis";
import { getSessionUser } from "../auth/session.js";
import { anchorDashboard, type Catalog, type Dashboard } from "../catalog/index.js";
import type { EmbedService } from "../embed/embed-service.js";
import type { Day } from "../template/index.js";
import type { LoadMarkerReader } from "../warehouse/load-marker.js";
import { rateLimit } from "../http/rate-limit.js";
import { dashboardAccess } from "../perimeter/dashboard-access.js";
import { territoryFailureBehind } from "../perimeter/narrowed-profile.js";
import { PROFILE_LABELS } from "../perimeter/placement.js";
import { currentProfile, profileOrThrow } from "../perimeter/session-profile.js";
import {
  dashboardHeading,
  dashboardPath,
  isPublicDashboard,
  openableDashboards,
  publicDashboards,
  territoryOf,
} from "./dashboard-pages.js";
import {
  dataCutoffView,
  DashboardForbiddenError,
  readDataCutoff,
  requestIdOf,
  viewerOf,
} from "./dashboard-view.js";
import { dashboardFinder, keyOf } from "./page-routes.js";
import { narrowedProfile } from "./territory-choice.js";
import type { TerritoryReferenceReader } from "../territories/reference.js";

/** Where each open dashboard renews its embed URL (the hottest authenticated route; see src/app.ts). */
export const EMBED_RENEWAL_PATH = "/api/dashboards/:key/embed";

interface DashboardsApiDeps {
  catalog: Catalog;
  embed: EmbedService;
  redis: Redis | undefined;
  loadMarker: LoadMarkerReader;
  territories: TerritoryReferenceReader;
  now: () => Date;
}

/**
 * The dashboards API: what a profile may open, and the renewal of a dashboard's embed URL. The renewal's
 * handlers are also given apart, for the route src/app.ts answers before the rest of the stack.
 */
export function dashboardsApi(deps: DashboardsApiDeps): { router: Router; embedRenewal: RequestHandler[] } {
  const router = Router();
  router.get("/api/dashboards", dashboardsList(deps));
  const embedRenewal = embedRenewalHandlers(deps);
  router.get(EMBED_RENEWAL_PATH, ...embedRenewal);
  return { router, embedRenewal };
}

/** `GET /api/dashboards`: what the profile may open, with each dashboard's editable parameters. */
function dashboardsList(deps: DashboardsApiDeps): RequestHandler {
  const { catalog } = deps;
  return async (req, res) => {
    const profile = profileOrThrow(req);
    const cutoff = await readDataCutoff(deps.loadMarker, deps.now(), req.log);
    const data = dataCutoffView(cutoff);
    const describe = (written: Dashboard, locked: string[]) => {
      // Defaults as the page uses them: relative periods and years read against the data's cut-off.
      const dashboard = anchorDashboard(written, cutoff.day);
      return {
        key: dashboard.key,
        title: dashboard.title,
        heading: dashboardHeading(dashboard, profile.perimeter),
        description: dashboard.description,
        theme: dashboard.theme,
        public: isPublicDashboard(dashboard),
        page: dashboardPath(dashboard),
        embed: `/api/dashboards/${encodeURIComponent(dashboard.key)}/embed`,
        locked_parameters: locked,
        parameters: dashboard.parameters
          .filter((p) => !p.locked)
          .map((p) => ({
            slug: p.slug,
            label: p.label,
            type: p.type,
            multiple: p.multiple,
            default: p.default ?? null,
          })),
        feedback_url: dashboard.feedbackUrl ?? null,
        may_be_withdrawn: dashboard.mayBeWithdrawn,
        source: dashboard.source ?? null,
        content_version: dashboard.contentVersion,
      };
    };
    res.setHeader("Cache-Control", "no-store");
    res.json({
      profile: {
        kind: profile.kind,
        label: PROFILE_LABELS[profile.kind],
        territory: territoryOf(profile.perimeter),
        preview: profile.preview,
      },
      data: data && { cutoff_date: data.isoDate, source: data.source },
      dashboards: [
        ...openableDashboards(catalog, profile).map(({ dashboard, locks }) =>
          describe(dashboard, Object.keys(locks)),
        ),
        ...publicDashboards(catalog).map((dashboard) => describe(dashboard, [])),
      ],
    });
  };
}

/**
 * `GET /api/dashboards/:key/embed`: a fresh embed URL for an open dashboard, its locks from the session's
 * profile. Anonymous callers (public dashboards) are limited per address.
 */
function embedRenewalHandlers(deps: DashboardsApiDeps): RequestHandler[] {
  const { catalog, embed } = deps;
  const findDashboard = dashboardFinder(catalog);
  // Anyone may renew the URL of a public dashboard; an audit row is written each time, so anonymous
  // callers are limited per address. Logged-in people are accountable in the audit log and not limited.
  const anonymousLimit = rateLimit({
    name: "public-embed",
    points: 60,
    windowSeconds: 60,
    redis: deps.redis,
  });
  const limitAnonymous: RequestHandler = (req, res, next) =>
    getSessionUser(req) ? next() : anonymousLimit(req, res, next);
  // A dashboard anchored on the data's cut-off day, made once per day rather than once per token.
  let anchoredOn: { day: string; dashboards: Map<string, Dashboard> } | undefined;
  const anchored = (dashboard: Dashboard, day: Day): Dashboard => {
    const key = JSON.stringify(day);
    if (anchoredOn?.day !== key) anchoredOn = { day: key, dashboards: new Map() };
    let found = anchoredOn.dashboards.get(dashboard.key);
    if (!found) anchoredOn.dashboards.set(dashboard.key, (found = anchorDashboard(dashboard, day)));
    return found;
  };

  const renew: RequestHandler = async (req, res) => {
    const dashboard = findDashboard(keyOf(req));
    // Locked values come from the session's profile only; nothing of the request (query, body, headers,
    // cookies other than the session) reaches the signer — except a territory chosen inside the
    // perimeter (`?departement=…&bassin=…&epci=…`, the page's own choice, kept by embed.js), which can
    // only narrow it (issue 19).
    const own = isPublicDashboard(dashboard) ? currentProfile(req) : profileOrThrow(req);
    const { profile, choice } = await narrowedProfile(req, dashboard, own, deps.territories);
    const access = dashboardAccess(profile, dashboard);
    if (!access.allowed)
      throw territoryFailureBehind(req, access, profile?.perimeter) ?? new DashboardForbiddenError();
    // The request's logger only if the marker cannot be read: making it costs more than the rest.
    const cutoff = await readDataCutoff(deps.loadMarker, deps.now(), {
      warn: (object, message) => req.log.warn(object, message),
    });
    const issued = await embed.issue(
      anchored(dashboard, cutoff.day),
      viewerOf(req, profile, choice),
      requestIdOf(req),
    );
    // Sent as is: res.json would also hash the body for an ETag that no-store makes useless.
    const body = JSON.stringify({ url: issued.url, expires_at: issued.expiresAt.toISOString() });
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  };
  return [limitAnonymous, renew];
}
