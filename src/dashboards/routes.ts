import { Router, type Request, type RequestHandler, type Response } from "express";
import type { Redis } from "ioredis";
import { recordVisit, weeklyUsage } from "../audit/visits.js";
import { getSessionUser } from "../auth/session.js";
import { dashboardCardParameters, type Catalog, type Dashboard } from "../catalog/index.js";
import type { Config } from "../config.js";
import {
  createEmbedService,
  DashboardNotVerifiedError,
  type EmbedService,
  type EmbedViewer,
  type IssuedEmbed,
} from "../embed/embed-service.js";
import { AppError, NotFoundError } from "../errors.js";
import { rateLimit } from "../http/rate-limit.js";
import { renderPage } from "../http/render.js";
import { probeMetabaseHealth } from "../metabase/health.js";
import { dashboardAccess } from "../perimeter/dashboard-access.js";
import type { LockValue } from "../perimeter/lock-values.js";
import { PROFILE_LABELS } from "../perimeter/placement.js";
import {
  currentProfile,
  profileOrThrow,
  requireProfile,
  requireStaff,
  type Profile,
} from "../perimeter/session-profile.js";
import type { Database, Queryable } from "../storage/database.js";
import { dayIn } from "../template/dates.js";
import { chartOf, formatCell, runCard, type CardTable, type ChartSpec } from "./card-data.js";
import {
  cardValues,
  dashboardHeading,
  dashboardPath,
  exportHref,
  hubSections,
  isPublicDashboard,
  openableDashboards,
  publicDashboards,
  readFilterChoice,
  territoryOf,
  withChoice,
  type FilterChoice,
} from "./dashboard-pages.js";
import { createMetabaseStatus, type MetabaseStatus } from "./metabase-status.js";

/**
 * The hub, the dashboard pages (Metabase frame, or the gateway's own cards), the public pages, the
 * dashboards API with its embed-URL renewal, and the staff usage page (issue 8).
 */

export interface DashboardsDeps {
  config: Config;
  catalog: Catalog;
  /** The gateway database: audit rows (before any URL leaves) and the visit log. */
  db: Database;
  warehouse: Queryable;
  redis: Redis | undefined;
  /** Built from the configuration when absent. */
  embed?: EmbedService;
  /** Built from the configuration when absent; undefined when Metabase is not configured. */
  metabaseStatus?: MetabaseStatus;
  now?: () => Date;
  /** Rows a card's table shows (the CSV export has them all). */
  rowLimit?: number;
}

/** How long a dashboard page waits for Metabase's health endpoint before saying it is unreachable. */
const HEALTH_TIMEOUT_MS = 1_500;
const DEFAULT_ROW_LIMIT = 500;
const TIME_ZONE = "Europe/Paris";

interface CardView {
  id: string;
  title: string;
  description: string;
  sizeX: number;
  exportHref: string;
  table?: CardTable & { cells: string[][] };
  chart?: ChartSpec | null;
  error?: string;
}

type Notice = "unreachable" | "not_verified";

function viewerOf(req: Request, profile: Profile | null): EmbedViewer | null {
  const user = getSessionUser(req);
  if (!user || !profile) return null;
  return {
    sub: user.sub,
    email: user.email,
    kind: profile.kind,
    organisationRef: profile.organisationRef,
    perimeter: profile.perimeter,
    preview: profile.preview,
  };
}

class DashboardForbiddenError extends AppError {
  constructor() {
    super(403, "Ce tableau de bord n'est pas ouvert à votre profil ou à votre périmètre.", {
      code: "dashboard_forbidden",
      link: { href: "/tableaux-de-bord", label: "Mes tableaux de bord" },
    });
  }
}

const requestIdOf = (req: Request) => String(req.id ?? "");
const keyOf = (req: Request) => String(req.params.key ?? "");

export function dashboardsRouter(deps: DashboardsDeps): Router {
  const { catalog, db, warehouse } = deps;
  const now = deps.now ?? (() => new Date());
  const rowLimit = deps.rowLimit ?? DEFAULT_ROW_LIMIT;
  const siteUrl = deps.config.metabase.siteUrl;
  const embed =
    deps.embed ??
    createEmbedService({
      db,
      siteUrl,
      secretKey: deps.config.metabase.embeddingSecretKey,
      ttlSeconds: deps.config.metabase.embedTokenTtlSeconds,
      now,
    });
  const metabaseStatus =
    deps.metabaseStatus ??
    (siteUrl
      ? createMetabaseStatus({ probe: () => probeMetabaseHealth({ siteUrl, timeoutMs: HEALTH_TIMEOUT_MS }) })
      : undefined);
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));
  const dashboards = new Map(catalog.dashboards.map((d) => [d.key, d]));
  const findDashboard = (key: string) => {
    const dashboard = dashboards.get(key);
    if (!dashboard) throw new NotFoundError("Ce tableau de bord n'existe pas ou a été retiré.");
    return dashboard;
  };

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

  async function renderCards(
    req: Request,
    dashboard: Dashboard,
    choice: FilterChoice,
    locks: Record<string, LockValue>,
  ): Promise<CardView[]> {
    const rendered = withChoice(dashboard, choice);
    const values = cardValues(choice, locks);
    const at = now();
    return Promise.all(
      dashboard.cards.map(async (card, i): Promise<CardView> => {
        const question = questions.get(card.question);
        const base = {
          id: `carte-${i + 1}`,
          title: question?.name ?? card.question,
          description: question?.description ?? "",
          sizeX: card.sizeX,
          exportHref: question ? exportHref(dashboard, card, question, choice) : "",
        };
        if (!question) return { ...base, error: "Cette carte n'a pas de question associée." };
        try {
          const parameters = dashboardCardParameters(rendered, card, question, values);
          const table = await runCard(warehouse, question, parameters, { now: at, rowLimit });
          const cells = table.rows.map((row) => row.map((value, c) => formatCell(value, table.columns[c]!)));
          return { ...base, table: { ...table, cells }, chart: chartOf(question, table) };
        } catch (error) {
          // One card failing leaves the others readable; the log keeps the cause, the page a French line.
          req.log?.error(
            { err: error, dashboard: dashboard.key, question: card.question },
            "dashboard card failed",
          );
          return {
            ...base,
            error: "Ces données n'ont pas pu être calculées. Réessayez dans quelques instants.",
          };
        }
      }),
    );
  }

  async function showDashboard(req: Request, res: Response, dashboard: Dashboard, profile: Profile | null) {
    const access = dashboardAccess(profile, dashboard);
    if (!access.allowed) throw new DashboardForbiddenError();
    const choice = readFilterChoice(dashboard, req.query as Record<string, unknown>, dayIn(now(), TIME_ZONE));

    let issued: IssuedEmbed | undefined;
    let notice: Notice | undefined;
    if (embed.enabled && metabaseStatus) {
      if (await metabaseStatus.available()) {
        try {
          issued = await embed.issue(dashboard, viewerOf(req, profile), requestIdOf(req));
        } catch (error) {
          if (!(error instanceof DashboardNotVerifiedError)) throw error;
          notice = "not_verified";
        }
      } else {
        notice = "unreachable";
      }
    }
    // With Metabase the frame shows the filters; the gateway's tables under it use the defaults.
    const cards = await renderCards(
      req,
      dashboard,
      issued ? readFilterChoice(dashboard, {}, dayIn(now(), TIME_ZONE)) : choice,
      access.locks,
    );

    const user = getSessionUser(req);
    if (user && profile) {
      await recordVisit(db, {
        dashboardKey: dashboard.key,
        dashboardId: issued?.dashboardId,
        userSub: user.sub,
        profileKind: profile.kind,
        organisationRef: profile.organisationRef,
        departements: profile.perimeter.departements ?? [],
        region: profile.perimeter.region,
        preview: profile.preview,
      }).catch((error: unknown) => req.log?.warn({ err: error }, "visit not recorded"));
    }

    // The page carries a signed URL: never cached, never shared.
    res.setHeader("Cache-Control", "no-store");
    const heading = dashboardHeading(dashboard, profile?.perimeter ?? null);
    await renderPage(req, res, "dashboards/dashboard", {
      title: heading,
      heading,
      dashboard,
      isPublic: isPublicDashboard(dashboard),
      embed: issued ? { url: issued.url, expiresAt: issued.expiresAt.toISOString() } : null,
      notice,
      cards,
      choice,
      errors: choice.errors.map((e) => ({ field: e.slug, message: e.message })),
      hasCharts: cards.some((c) => c.chart),
      preview: profile?.preview ?? false,
      scripts: issued
        ? ["/static/app/embed.js"]
        : cards.some((c) => c.chart)
          ? ["/static/chart/DSFRChart/DSFRChart.js"]
          : [],
      styles: cards.some((c) => c.chart) && !issued ? ["/static/chart/DSFRChart/DSFRChart.css"] : [],
    });
  }

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
    await showDashboard(req, res, findDashboard(keyOf(req)), profileOrThrow(req));
  });

  router.get("/public/:key", async (req, res) => {
    const dashboard = dashboards.get(keyOf(req));
    // Only public dashboards exist here: a private key is "not found", like an unknown one.
    if (!dashboard || !isPublicDashboard(dashboard))
      throw new NotFoundError("Ce tableau de bord public n'existe pas.");
    await showDashboard(req, res, dashboard, currentProfile(req));
  });

  router.get("/api/dashboards", async (req, res) => {
    const profile = profileOrThrow(req);
    const describe = (dashboard: Dashboard, locked: string[]) => ({
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
      data_refreshed_at: dashboard.dataRefreshedAt ?? null,
      content_version: dashboard.contentVersion,
    });
    res.setHeader("Cache-Control", "no-store");
    res.json({
      profile: {
        kind: profile.kind,
        label: PROFILE_LABELS[profile.kind],
        territory: territoryOf(profile.perimeter),
        preview: profile.preview,
      },
      dashboards: [
        ...openableDashboards(catalog, profile).map(({ dashboard, locks }) =>
          describe(dashboard, Object.keys(locks)),
        ),
        ...publicDashboards(catalog).map((dashboard) => describe(dashboard, [])),
      ],
    });
  });

  router.get("/api/dashboards/:key/embed", limitAnonymous, async (req, res) => {
    const dashboard = findDashboard(keyOf(req));
    // Locked values come from the session's profile only; nothing of the request (query, body, headers,
    // cookies other than the session) reaches the signer.
    const profile = isPublicDashboard(dashboard) ? currentProfile(req) : profileOrThrow(req);
    if (!dashboardAccess(profile, dashboard).allowed) throw new DashboardForbiddenError();
    const issued = await embed.issue(dashboard, viewerOf(req, profile), requestIdOf(req));
    res.setHeader("Cache-Control", "no-store");
    res.json({ url: issued.url, expires_at: issued.expiresAt.toISOString() });
  });

  router.get("/admin/usage", requireStaff, async (req, res) => {
    const usage = await weeklyUsage(db, { weeks: 12, now: now() });
    const totals = new Map<string, { visits: number; weeks: number }>();
    for (const row of usage) {
      const total = totals.get(row.dashboardKey) ?? { visits: 0, weeks: 0 };
      totals.set(row.dashboardKey, { visits: total.visits + row.visits, weeks: total.weeks + 1 });
    }
    await renderPage(req, res, "dashboards/usage", {
      title: "Fréquentation des tableaux de bord",
      rows: usage.map((row) => ({
        ...row,
        title: dashboards.get(row.dashboardKey)?.title ?? row.dashboardKey,
      })),
      unvisited: catalog.dashboards.filter((d) => !totals.has(d.key)).map((d) => d.title),
    });
  });

  return router;
}
