import type { Request, RequestHandler, Response } from "express";
import type { ResultCache } from "../cache/result-cache.js";
import type { Redis } from "ioredis";
import { recordVisit } from "../audit/visits.js";
import { getSessionUser } from "../auth/session.js";
import { anchorDashboard, anchorValues, cutoffDay, type Catalog, type Dashboard } from "../catalog/index.js";
import type { Config } from "../config.js";
import { currentDeadline, withDeadline } from "../deadline.js";
import {
  DashboardNotVerifiedError,
  type EmbedService,
  type EmbedViewer,
  type IssuedEmbed,
} from "../embed/embed-service.js";
import { AppError, DependencyError } from "../errors.js";
import { renderPage } from "../http/render.js";
import { dashboardAccess } from "../perimeter/dashboard-access.js";
import { territoryFailureBehind } from "../perimeter/narrowed-profile.js";
import { countDependencyFailure, type Metrics } from "../metrics/metrics.js";
import type { Profile } from "../perimeter/session-profile.js";
import type { Database, Queryable } from "../storage/database.js";
import { dayIn, type Day } from "../template/index.js";
import type { LoadMarker, LoadMarkerReader } from "../warehouse/load-marker.js";
import { isNarrowed, type TerritoryChoice } from "../perimeter/narrowing.js";
import type { TerritoryReferenceReader } from "../territories/reference.js";
import { choiceQuery, narrowedProfile, territoryChooser } from "./territory-choice.js";
import { compareTerritories, comparesTerritories, comparisonView } from "./comparison.js";
import { cardWarehouse } from "./card-data.js";
import { cardRenderer } from "./card-views.js";
import { dashboardHeading, dashboardPath, isPublicDashboard } from "./dashboard-pages.js";
import { createFilterValues, type FilterList } from "./filter-values.js";
import { choiceSummary, readFilterChoice } from "./filters.js";
import { frenchLongDate } from "./french-format.js";
import type { MetabaseStatus } from "./metabase-status.js";

/**
 * One dashboard page, for every audience (a placed person, or anyone on a public dashboard): the Metabase
 * frame when Metabase is configured, up and has verified the dashboard, else the gateway's own cards.
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
  /** The warehouse's load marker (cut-off date, source); read from the warehouse when absent. */
  loadMarker?: LoadMarkerReader;
  /** Counts the dependency failures a page survives (docs/failure-policy.md) and the embed tokens signed. */
  metrics?: Metrics | undefined;
  /** Cards read through it when present (src/cache/result-cache.ts). */
  resultCache?: ResultCache;
  /** The bassins and EPCI of each département, for narrowing (src/territories/reference.ts). */
  territories: TerritoryReferenceReader;
  /** The public pages' limit of anonymous visitors: the one publicPagesLimit that notes share (app.ts). */
  limitPublicPages: RequestHandler;
  /** Counts a view of a public dashboard, signed in or not (src/audit/page-views.ts). */
  countView?: (view: { kind: "dashboard"; key: string; signedIn: boolean }) => void;
}

/** What a page says about the data: « Données arrêtées au … », and the day relative periods count from. */
export interface DataCutoff {
  marker: LoadMarker | undefined;
  /** The cut-off day; today (Paris) when the warehouse has no marker. */
  day: Day;
}

/** The page's line about the data, or null when the warehouse has no load marker. */
export function dataCutoffView(cutoff: DataCutoff) {
  if (!cutoff.marker) return null;
  return {
    date: frenchLongDate(cutoff.day),
    isoDate: cutoff.marker.cutoffDate,
    source: cutoff.marker.source,
  };
}

/**
 * The cut-off as pages use it. A marker that cannot be read leaves the page up: it says the date is
 * unknown, and relative periods count from today, as Metabase's do.
 */
export async function readDataCutoff(
  reader: LoadMarkerReader,
  now: Date,
  log?: { warn: (object: unknown, message: string) => void },
): Promise<DataCutoff> {
  let marker: LoadMarker | undefined;
  try {
    marker = await reader.current();
  } catch (error) {
    log?.warn({ err: error }, "load marker not read");
  }
  return { marker, day: cutoffDay(marker?.cutoffDate) ?? dayIn(now, TIME_ZONE) };
}

const DEFAULT_ROW_LIMIT = 500;
/** The visit log fails open (docs/failure-policy.md): it may not hold a page longer than this. */
const VISIT_WAIT_MS = 1_000;
export const TIME_ZONE = "Europe/Paris";

type Notice = "unreachable" | "not_verified" | "preview" | "audit_unavailable";

export function viewerOf(
  req: Request,
  profile: Profile | null,
  narrowing: TerritoryChoice = {},
): EmbedViewer | null {
  const user = getSessionUser(req);
  if (!user || !profile) return null;
  return {
    ...(isNarrowed(narrowing) ? { narrowing } : {}),
    sub: user.sub,
    email: user.email,
    kind: profile.kind,
    organisationRef: profile.organisationRef,
    perimeter: profile.perimeter,
    preview: profile.preview,
  };
}

export class DashboardForbiddenError extends AppError {
  constructor() {
    super(403, "Ce tableau de bord n'est pas ouvert à votre profil ou à votre périmètre.", {
      code: "dashboard_forbidden",
      link: { href: "/tableaux-de-bord", label: "Mes tableaux de bord" },
    });
  }
}

export const requestIdOf = (req: Request) => String(req.id ?? "");

export interface DashboardView {
  show(req: Request, res: Response, dashboard: Dashboard, profile: Profile | null): Promise<void>;
}

export function createDashboardView(
  deps: DashboardsDeps & {
    embed: EmbedService;
    metabaseStatus: MetabaseStatus | undefined;
    loadMarker: LoadMarkerReader;
  },
): DashboardView {
  const { catalog, db, embed, metabaseStatus } = deps;
  const warehouse = cardWarehouse(deps.warehouse, deps.resultCache);
  const now = deps.now ?? (() => new Date());
  const rowLimit = deps.rowLimit ?? DEFAULT_ROW_LIMIT;
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));

  const filterValues = createFilterValues({ catalog, warehouse });
  const renderCards = cardRenderer({ questions, warehouse, now, rowLimit });

  return {
    async show(req, res, dashboard, ownProfile) {
      // Narrowing (issue 19): the locks of this page come from `chosen ∩ perimeter`, never wider.
      const { profile, choice: territory } = await narrowedProfile(
        req,
        dashboard,
        ownProfile,
        deps.territories,
      );
      const access = dashboardAccess(profile, dashboard);
      if (!access.allowed)
        throw territoryFailureBehind(req, access, profile?.perimeter) ?? new DashboardForbiddenError();
      const cutoff = await readDataCutoff(deps.loadMarker, now(), req.log);
      // Relative defaults and choices mean periods of the data (src/catalog/periods.ts): the cards, their
      // CSV links and the frame's starting filter values all get the same absolute period.
      const anchored = anchorDashboard(dashboard, cutoff.day);
      let lists: Record<string, FilterList> = {};
      try {
        lists = await filterValues.lists(dashboard, access.locks, {
          cutoff: cutoff.day,
          dataVersion: cutoff.marker?.dataVersion,
          now: now(),
        });
      } catch (error) {
        // A warehouse that does not answer fails the page, as its cards would (docs/failure-policy.md).
        if (error instanceof DependencyError) throw error;
        // Otherwise the filters fall back to plain fields; the cards stay locked either way.
        req.log?.warn({ err: error, dashboard: dashboard.key }, "filter lists not read");
      }
      const read = (query: Record<string, unknown>) => {
        const choice = readFilterChoice(anchorDashboard(dashboard, cutoff.day, { yearsOnly: true }), query, {
          today: dayIn(now(), TIME_ZONE),
          cutoff: cutoff.day,
          lists,
        });
        return { ...choice, values: anchorValues(dashboard, choice.values, cutoff.day) };
      };
      const choice = read(req.query as Record<string, unknown>);

      // Metabase's health and the cards at once: a Metabase that does not answer costs the page its
      // probe's timeout, not that plus the cards. The cards come before any token: a warehouse that does
      // not answer fails the page before anything is signed, so no audit row stands for a URL that never
      // left. With Metabase the frame shows the filters; the gateway's tables under it use the defaults.
      // Metabase's frame would offer its own downloads, which a preview must not (embed-service.ts).
      const previewing = embed.enabled && Boolean(profile?.preview);
      const embedding = embed.enabled && metabaseStatus !== undefined && !previewing;
      // The comparison reads its card with the reader's choice, narrowed to the département only: the
      // page's read of that card is the same statement (one run through the result cache) only then.
      const comparing =
        ownProfile !== null &&
        !isPublicDashboard(dashboard) &&
        comparesTerritories(dashboard, ownProfile) &&
        !territory.bassin &&
        !territory.epci;
      const [framed, shown] = await Promise.all([
        embedding ? metabaseStatus.available() : false,
        embedding
          ? renderCards(req, anchored, read({}), access.locks, cutoff, territory)
          : renderCards(req, anchored, choice, access.locks, cutoff, territory, comparing),
      ]);
      let cards = shown;
      let notice: Notice | undefined = previewing
        ? "preview"
        : embedding && !framed
          ? "unreachable"
          : undefined;
      let issued: IssuedEmbed | undefined;
      if (framed) {
        try {
          issued = await embed.issue(anchored, viewerOf(req, profile, territory), requestIdOf(req));
        } catch (error) {
          if (error instanceof DashboardNotVerifiedError) notice = "not_verified";
          else if (error instanceof DependencyError) {
            // The audit log fails closed: no row, no token. The page stays useful with its own cards.
            countDependencyFailure(deps.metrics, error);
            req.log?.warn(
              { dependency: error.dependencyName, failure: error.failure, err: error.cause },
              "embed token not issued: audit log unavailable",
            );
            notice = "audit_unavailable";
          } else throw error;
        }
      }
      const chose = Object.keys(choice.values).length > 0 || choice.cleared.size > 0;
      if (embedding && !issued && chose)
        cards = await renderCards(req, anchored, choice, access.locks, cutoff, territory, comparing);

      const user = getSessionUser(req);
      if (isPublicDashboard(dashboard)) {
        deps.countView?.({ kind: "dashboard", key: dashboard.key, signedIn: user !== undefined });
      }
      if (user && profile) {
        const deadline = currentDeadline();
        const visit = {
          dashboardKey: dashboard.key,
          dashboardId: issued?.dashboardId,
          userSub: user.sub,
          profileKind: profile.kind,
          organisationRef: profile.organisationRef,
          departements: profile.perimeter.departements ?? [],
          region: profile.perimeter.region,
          preview: profile.preview,
        };
        // Fails open, on a short leash of its own.
        await withDeadline(
          Math.min(VISIT_WAIT_MS, deadline?.remainingMs() ?? VISIT_WAIT_MS),
          () => recordVisit(db, visit),
          deadline?.clientGone,
        ).catch((error: unknown) => {
          countDependencyFailure(deps.metrics, error);
          req.log?.warn({ err: error }, "visit not recorded");
        });
      }

      // The page carries a signed URL: never cached, never shared.
      res.setHeader("Cache-Control", "no-store");
      const heading = dashboardHeading(dashboard, profile?.perimeter ?? null);
      const territories =
        profile && ownProfile
          ? await territoryChooser(req, dashboard, ownProfile, territory, deps.territories)
          : null;
      const comparison =
        profile && ownProfile && !isPublicDashboard(dashboard)
          ? await compareTerritories({
              warehouse,
              dashboard: anchored,
              questions,
              choice,
              profile: ownProfile,
              territory,
              reference: req.territoryReference ?? (await deps.territories.current()),
              now: now(),
            })
          : null;
      await renderPage(
        req,
        res,
        "dashboards/dashboard",
        {
          title: heading,
          heading,
          dashboard,
          data: dataCutoffView(cutoff),
          isPublic: isPublicDashboard(dashboard),
          embed: issued ? { url: issued.url, expiresAt: issued.expiresAt.toISOString() } : null,
          notice,
          cards,
          choice,
          territories,
          territoryQuery: choiceQuery(territory),
          comparison: comparison && comparisonView(comparison),
          filterSummary: choiceSummary(choice),
          resetHref: dashboardPath(dashboard),
          errors: choice.errors.map((e) => ({ field: e.slug, message: e.message })),
          hasCharts: cards.some((c) => c.chart),
          preview: profile?.preview ?? false,
          scripts: issued ? ["/static/app/embed.js"] : [],
        },
        // A filter value the page cannot use is the request's fault: said in French, defaults standing in.
        choice.errors.length > 0 ? 400 : 200,
      );
    },
  };
}
