import type { Dashboard, DashboardParameter } from "./types.js";
import { addDays, dateStringToRange, formatDay, parseDay, type Day } from "../template/index.js";

/**
 * Relative periods anchored on the data's cut-off date (the warehouse's load marker), not on the calendar:
 * « les 12 derniers mois » of data stopped on 31 October 2026 are November 2025 to October 2026, whenever
 * the page is read, so that a dashboard does not empty out while the next load is late.
 *
 * Metabase's own rules are kept, with one shift: `past…`, `last…`, `yesterday` and `next…` are read as on
 * the morning after the cut-off (Metabase leaves out the current unit, and the cut-off's month is the
 * newest month of data, not a month under way); `this…` and `today` name the unit that holds the cut-off
 * day (read on the morning after a cut-off on 31 December, « cette année » would be an empty year).
 *
 * The gateway turns such a value into the absolute range it means before anything runs or leaves, so the
 * cards, their CSV links and the Metabase frame's starting filter values all say the same period.
 */

const RELATIVE = /^(today|yesterday|this|last|past|next)/;

export function isRelativeDateString(value: string): boolean {
  return RELATIVE.test(value);
}

/** The day a relative value counts from. */
export function anchorDay(value: string, cutoff: Day): Day {
  return /^(today|this)/.test(value) ? cutoff : addDays(cutoff, 1);
}

/** `past12months` → `2025-11-01~2026-10-31` for a cut-off on 31 October 2026; any other value unchanged. */
export function anchorDateString(value: string, cutoff: Day): string {
  if (!isRelativeDateString(value)) return value;
  const range = dateStringToRange(value, anchorDay(value, cutoff));
  if (!range.start || !range.end) return value;
  const start = formatDay(range.start);
  const end = formatDay(range.end);
  return start === end ? start : `${start}~${end}`;
}

/** Year defaults written relative to the data: `thisyear` is the cut-off's year, `lastyear` the one before. */
export const RELATIVE_YEARS: Readonly<Record<string, number>> = { thisyear: 0, lastyear: -1 };

export function anchorYear(value: unknown, cutoff: Day): unknown {
  return typeof value === "string" && value in RELATIVE_YEARS ? cutoff.year + RELATIVE_YEARS[value]! : value;
}

/** One parameter's value, read against the cut-off: relative periods as ranges, relative years as years. */
export function anchorValue(
  parameter: Pick<DashboardParameter, "type">,
  value: unknown,
  cutoff: Day,
): unknown {
  if (parameter.type === "number") {
    return Array.isArray(value) ? value.map((v) => anchorYear(v, cutoff)) : anchorYear(value, cutoff);
  }
  if (parameter.type !== "date range") return value;
  if (typeof value === "string") return anchorDateString(value, cutoff);
  return Array.isArray(value)
    ? value.map((v) => (typeof v === "string" ? anchorDateString(v, cutoff) : v))
    : value;
}

/**
 * The dashboard with its relative defaults read against the cut-off (its content version unchanged);
 * `yearsOnly` leaves relative periods as written, for a filter form that offers them by name.
 */
export function anchorDashboard(
  dashboard: Dashboard,
  cutoff: Day,
  options: { yearsOnly?: boolean } = {},
): Dashboard {
  const anchors = (p: DashboardParameter) =>
    p.default !== undefined && !p.locked && (!options.yearsOnly || p.type === "number");
  if (!dashboard.parameters.some(anchors)) return dashboard;
  return {
    ...dashboard,
    parameters: dashboard.parameters.map((p) =>
      anchors(p) ? { ...p, default: anchorValue(p, p.default, cutoff) } : p,
    ),
  };
}

/** Editable values chosen on the page, read against the cut-off. */
export function anchorValues(
  dashboard: Dashboard,
  values: Record<string, unknown>,
  cutoff: Day,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([slug, value]) => {
      const parameter = dashboard.parameters.find((p) => p.slug === slug);
      return [slug, parameter && !parameter.locked ? anchorValue(parameter, value, cutoff) : value];
    }),
  );
}

/** The cut-off as a day; undefined when the marker's date does not read as one. */
export function cutoffDay(cutoffDate: string | undefined): Day | undefined {
  return cutoffDate === undefined ? undefined : (parseDay(cutoffDate) ?? undefined);
}
