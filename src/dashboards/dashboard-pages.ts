import type { Catalog, Dashboard, DashboardCard, Question } from "../catalog/index.js";
import { dashboardAccess, isOpenToEveryone, type AccessProfile } from "../perimeter/dashboard-access.js";
import { describePerimeter, type LockValue, type Perimeter } from "../perimeter/lock-values.js";
import { CHOICE_PARAMETERS, type TerritoryChoice } from "../perimeter/narrowing.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";
import type { FilterChoice } from "./filters.js";

/**
 * What the hub and the dashboard pages show, as pure functions over the catalogue and a profile: which
 * dashboards open, their headings with the territory, the editable filter values a request may choose
 * (locked ones never come from the request), and the export link of each card.
 */

export interface OpenableDashboard {
  dashboard: Dashboard;
  /** Slug → value filled from the perimeter (empty for public dashboards). */
  locks: Record<string, LockValue>;
}

/** Open to everyone without login (perimeter/dashboard-access.ts's rule). */
export function isPublicDashboard(dashboard: Dashboard): boolean {
  return isOpenToEveryone(dashboard);
}

export function publicDashboards(catalog: Pick<Catalog, "dashboards">): Dashboard[] {
  return byTitle(catalog.dashboards.filter(isPublicDashboard));
}

/** The non-public dashboards this profile may open, each with its locks. */
export function openableDashboards(
  catalog: Pick<Catalog, "dashboards">,
  profile: AccessProfile | null,
): OpenableDashboard[] {
  if (!profile) return [];
  return catalog.dashboards.flatMap((dashboard) => {
    if (isPublicDashboard(dashboard)) return [];
    const access = dashboardAccess(profile, dashboard);
    return access.allowed ? [{ dashboard, locks: access.locks }] : [];
  });
}

export interface HubSection {
  theme: string;
  dashboards: Dashboard[];
}

const collator = new Intl.Collator("fr", { sensitivity: "base" });

function byTitle(dashboards: Dashboard[]): Dashboard[] {
  return [...dashboards].sort((a, b) => collator.compare(a.title, b.title));
}

/** The profile's dashboards grouped by theme (themes and titles in French alphabetical order). */
export function hubSections(
  catalog: Pick<Catalog, "dashboards">,
  profile: AccessProfile | null,
): HubSection[] {
  const themes = new Map<string, Dashboard[]>();
  for (const { dashboard } of openableDashboards(catalog, profile)) {
    themes.set(dashboard.theme, [...(themes.get(dashboard.theme) ?? []), dashboard]);
  }
  return [...themes.entries()]
    .sort(([a], [b]) => collator.compare(a, b))
    .map(([theme, dashboards]) => ({ theme, dashboards: byTitle(dashboards) }));
}

/** "93 - Seine-Saint-Denis", "Île-de-France", "France entière", "vos 3 structures"… */
export function territoryOf(perimeter: Perimeter): string {
  return describePerimeter(perimeter, ALL_DEPARTEMENT_CODES.length);
}

/** The page's h1: the title, then the territory it is locked to (the service's habit, les-emplois §1.5). */
export function dashboardHeading(dashboard: Dashboard, perimeter: Perimeter | null): string {
  if (isPublicDashboard(dashboard) || !perimeter) return dashboard.title;
  return `${dashboard.title} — ${territoryOf(perimeter)}`;
}

export function dashboardPath(dashboard: Dashboard): string {
  const key = encodeURIComponent(dashboard.key);
  return isPublicDashboard(dashboard) ? `/public/${key}` : `/tableaux-de-bord/${key}`;
}

/**
 * The "Télécharger (CSV)" link of a card: the question's export (`/api/questions/:key/data`, issue 10)
 * as French Excel reads it (issue 17: `;`, labels, decimal comma) with the editable values the card runs
 * with, keyed by the question's tags (`file: "xlsx"`: the same rows as an Excel workbook), and the page's
 * territory choice (issue 19). Locked values are never in the link: the export fills them from the
 * perimeter itself, narrowed by that choice.
 */
export function exportHref(
  dashboard: Dashboard,
  card: DashboardCard,
  question: Question,
  choice: FilterChoice,
  file: "csv" | "xlsx" = "csv",
  territory: TerritoryChoice = {},
): string {
  const query = new URLSearchParams(
    file === "xlsx" ? { format: "xlsx" } : { format: "csv", dialect: "excel-fr" },
  );
  for (const [slug, tag] of Object.entries(card.mappings)) {
    const parameter = dashboard.parameters.find((p) => p.slug === slug);
    if (!parameter || parameter.locked || choice.cleared.has(slug)) continue;
    if (!question.parameters.some((p) => p.tag === tag)) continue;
    const value = choice.values[slug] ?? parameter.default;
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) query.append(tag, String(one));
  }
  // A narrowed page exports the narrowed data: the export narrows the same way.
  for (const name of CHOICE_PARAMETERS) if (territory[name]) query.append(name, territory[name]);
  return `/api/questions/${encodeURIComponent(question.key)}/data?${query.toString()}`;
}
