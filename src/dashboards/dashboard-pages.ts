import type { Catalog, Dashboard, DashboardCard, DashboardParameter, Question } from "../catalog/index.js";
import { dashboardAccess, type AccessProfile } from "../perimeter/dashboard-access.js";
import { describePerimeter, type LockValue, type Perimeter } from "../perimeter/lock-values.js";
import { dateStringToRange, type Day } from "../template/index.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";

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

/** Open to everyone without login: public, and no locked parameter (the catalogue refuses that anyway). */
export function isPublicDashboard(dashboard: Dashboard): boolean {
  return dashboard.public && dashboard.parameters.every((p) => !p.locked);
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

// --- editable filters -------------------------------------------------------------------------------

export interface FilterField {
  parameter: DashboardParameter;
  /** What the form shows: the chosen value, or the default. */
  text: string;
  error?: string;
}

export interface FilterChoice {
  /** Slug → value for the editable parameters the request set (validated against their types). */
  values: Record<string, unknown>;
  /** Editable parameters the request emptied on purpose: no value, not even the default. */
  cleared: Set<string>;
  fields: FilterField[];
  errors: Array<{ slug: string; message: string }>;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function firstString(raw: unknown): string | undefined {
  if (typeof raw === "string") return raw;
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === "string").join(",");
  return undefined;
}

function defaultText(parameter: DashboardParameter): string {
  const value = parameter.default;
  if (value === undefined || value === null) return "";
  return Array.isArray(value) ? value.map(String).join(", ") : String(value);
}

function parseValue(parameter: DashboardParameter, text: string, today: Day): unknown {
  const parts = parameter.multiple
    ? text
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean)
    : [text.trim()];
  const parsed = parts.map((part) => {
    switch (parameter.type) {
      case "number": {
        const n = Number(part.replace(",", "."));
        if (!Number.isFinite(n)) throw new Error(`« ${parameter.label} » attend un nombre.`);
        return n;
      }
      case "date":
        if (!DAY.test(part) || Number.isNaN(Date.parse(part)))
          throw new Error(`« ${parameter.label} » attend une date au format AAAA-MM-JJ.`);
        return part;
      case "date range":
        try {
          dateStringToRange(part, today);
        } catch {
          throw new Error(
            `« ${parameter.label} » : période non reconnue (par exemple past12months, thisyear, 2025-01~2025-06-30).`,
          );
        }
        return part;
      default:
        return part;
    }
  });
  return parameter.multiple ? parsed : parsed[0];
}

/**
 * Reads the editable filter values of a request (`?periode=past30days&annee=2025`). Locked parameters
 * and unknown names are ignored: a locked value comes only from the perimeter (PRODUCT.md §3,
 * invariant 1), whatever the request says. A value that does not parse is reported and the default used.
 */
export function readFilterChoice(
  dashboard: Dashboard,
  query: Record<string, unknown>,
  today: Day,
): FilterChoice {
  const choice: FilterChoice = { values: {}, cleared: new Set(), fields: [], errors: [] };
  for (const parameter of dashboard.parameters) {
    if (parameter.locked) continue;
    const raw = Object.hasOwn(query, parameter.slug) ? firstString(query[parameter.slug]) : undefined;
    if (raw === undefined) {
      choice.fields.push({ parameter, text: defaultText(parameter) });
      continue;
    }
    if (raw.trim() === "") {
      choice.cleared.add(parameter.slug);
      choice.fields.push({ parameter, text: "" });
      continue;
    }
    try {
      choice.values[parameter.slug] = parseValue(parameter, raw, today);
      choice.fields.push({ parameter, text: raw.trim() });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      choice.errors.push({ slug: parameter.slug, message });
      choice.fields.push({ parameter, text: raw, error: message });
    }
  }
  return choice;
}

/** The dashboard as the gateway renders it for this choice: emptied filters lose their default. */
export function withChoice(dashboard: Dashboard, choice: FilterChoice): Dashboard {
  if (choice.cleared.size === 0) return dashboard;
  return {
    ...dashboard,
    parameters: dashboard.parameters.map((p) => {
      if (!choice.cleared.has(p.slug)) return p;
      const { default: _dropped, ...rest } = p;
      return rest;
    }),
  };
}

/**
 * Every value a card runs with: the editable choices, then the locks on top, so that nothing the request
 * carries can replace a locked value even if a slug slipped through.
 */
export function cardValues(choice: FilterChoice, locks: Record<string, LockValue>): Record<string, unknown> {
  return { ...choice.values, ...locks };
}

/**
 * The "Télécharger (CSV)" link of a card: the question's export (`/api/questions/:key/data`, issue 10)
 * as French Excel reads it (issue 17: `;`, labels, decimal comma) with the editable values the card runs
 * with, keyed by the question's tags (`file: "xlsx"`: the same rows as an Excel workbook). Locked values
 * are never in the link: the export fills them from the perimeter itself.
 */
export function exportHref(
  dashboard: Dashboard,
  card: DashboardCard,
  question: Question,
  choice: FilterChoice,
  file: "csv" | "xlsx" = "csv",
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
  return `/api/questions/${encodeURIComponent(question.key)}/data?${query.toString()}`;
}
