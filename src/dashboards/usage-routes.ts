import { Router } from "express";
import { lastWeeks, weeklyPageViews, type WeeklyPageViews } from "../audit/page-views.js";
import { weeklyUsage } from "../audit/visits.js";
import type { Catalog } from "../catalog/index.js";
import { countOf } from "../french-plural.js";
import { renderPage } from "../http/render.js";
import { requireStaff } from "../perimeter/session-profile.js";
import type { CardColumn } from "./card-data.js";
import { chartOf } from "./chart-model.js";
import { isPublicDashboard } from "./dashboard-pages.js";
import { frenchLongDate, frenchShortDay } from "./french-format.js";
import type { Database } from "../storage/database.js";
import { parseDay } from "../template/index.js";

const WEEKS = 12;

/**
 * A week as staff read it: its Monday, « 30 novembre 2026 » (never the ISO date), and « (en cours) » for
 * the current one, whose figures are not a whole week's yet.
 */
const weekLabelOf =
  (current: string | undefined, format = frenchLongDate) =>
  (monday: string): string => {
    const day = parseDay(monday);
    const label = day ? format(day) : monday;
    return monday === current ? `${label} (en cours)` : label;
  };

/**
 * Public pages and notes, week by week: totals per week (the trend, as a chart and its table) and, per
 * page, this week, the week before and the twelve weeks.
 */
function publicAudience(
  rows: WeeklyPageViews[],
  weeks: string[],
  weekLabel: { long: (monday: string) => string; short: (monday: string) => string },
  titleOf: (row: WeeklyPageViews) => string,
) {
  const totals = weeks.map((week) => {
    const ofWeek = rows.filter((r) => r.week === week);
    return {
      week,
      weekLabel: weekLabel.long(week),
      axisLabel: weekLabel.short(week),
      anonymous: ofWeek.reduce((n, r) => n + r.anonymous, 0),
      signedIn: ofWeek.reduce((n, r) => n + r.signedIn, 0),
    };
  });
  const [current, previous] = [weeks[weeks.length - 1], weeks[weeks.length - 2]];
  const pages = new Map<
    string,
    { title: string; kind: string; current: number; previous: number; total: number }
  >();
  for (const row of rows) {
    const id = `${row.kind}:${row.key}`;
    const page = pages.get(id) ?? {
      title: titleOf(row),
      kind: row.kind === "note" ? "Note d'analyse" : "Tableau de bord public",
      current: 0,
      previous: 0,
      total: 0,
    };
    const views = row.anonymous + row.signedIn;
    page.total += views;
    if (row.week === current) page.current += views;
    if (row.week === previous) page.previous += views;
    pages.set(id, page);
  }
  return {
    totals,
    pages: [...pages.values()].sort((a, b) => b.total - a.total || a.title.localeCompare(b.title, "fr")),
    chart: trendChart(totals),
  };
}

const countColumn = (name: string, label: string): CardColumn => ({
  name,
  label,
  numeric: true,
  column: { name, label, kind: "count" },
  right: true,
});
const TREND_COLUMNS: CardColumn[] = [
  {
    name: "semaine",
    label: "Semaine",
    numeric: false,
    column: { name: "semaine", label: "Semaine", kind: "text" },
    right: false,
  },
  countColumn("anonymous", "Sans connexion"),
  countColumn("signed_in", "Connectés"),
];

/** The weekly trend, drawn like the dashboards' charts (chart-model.ts): from zero, counted in whole steps. */
function trendChart(totals: Array<{ axisLabel: string; anonymous: number; signedIn: number }>) {
  const chart = chartOf(
    { display: "line", visualization: {} },
    {
      columns: TREND_COLUMNS,
      rows: totals.map((t) => [t.axisLabel, t.anonymous, t.signedIn]),
      truncated: false,
    },
  );
  return (
    chart && {
      ...chart,
      valueTitle: "Consultations",
      summary: "consultations par semaine, sans connexion et connectés",
    }
  );
}

/**
 * A public dashboard's views without login over the weeks shown: the visit log counts signed-in people only,
 * so one read anonymously alone is « sans visite d'agent connecté » and consulted all the same.
 */
function anonymousViews(views: WeeklyPageViews[], key: string): number {
  return views.filter((v) => v.kind === "dashboard" && v.key === key).reduce((n, v) => n + v.anonymous, 0);
}

function anonymousText(views: number): string {
  return views === 0
    ? "aucune consultation sans connexion"
    : countOf(views, "consultation sans connexion", "consultations sans connexion");
}

/** Staff: visits, people and organisations per dashboard and week (issue 8); public pages and notes (issue 19). */
export function dashboardUsageRouter(deps: { catalog: Catalog; db: Database; now: () => Date }): Router {
  const { catalog, db } = deps;
  const titles = new Map(catalog.dashboards.map((d) => [d.key, d.title]));
  const noteTitles = new Map(catalog.notes.map((n) => [n.key, n.title]));
  const router = Router();
  router.get("/admin/usage", requireStaff, async (req, res) => {
    const now = deps.now();
    const [usage, views] = await Promise.all([
      weeklyUsage(db, { weeks: WEEKS, now }),
      weeklyPageViews(db, { weeks: WEEKS, now }),
    ]);
    const weeks = lastWeeks(now, WEEKS);
    const weekLabel = weekLabelOf(weeks[weeks.length - 1]);
    // Along the chart's axis, where twelve long dates would wrap on three lines: « 14 sept. ».
    const axisLabel = weekLabelOf(weeks[weeks.length - 1], frenchShortDay);
    const visited = new Set(usage.map((row) => row.dashboardKey));
    await renderPage(req, res, "dashboards/usage", {
      title: "Fréquentation des tableaux de bord",
      rows: usage.map((row) => ({
        ...row,
        weekLabel: weekLabel(row.week),
        title: titles.get(row.dashboardKey) ?? row.dashboardKey,
      })),
      unvisited: catalog.dashboards
        .filter((d) => !visited.has(d.key))
        .map((d) => ({
          title: d.title,
          public: isPublicDashboard(d)
            ? `tableau public, ${anonymousText(anonymousViews(views, d.key))}`
            : undefined,
        })),
      publicViews: publicAudience(
        views,
        weeks,
        { long: weekLabel, short: axisLabel },
        (row) => (row.kind === "note" ? noteTitles.get(row.key) : titles.get(row.key)) ?? row.key,
      ),
    });
  });
  return router;
}
