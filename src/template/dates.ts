import { TemplateError } from "./errors.js";

/**
 * Metabase's date strings for field filters (reference/metabase-contract.md §1.5 and §3.3), turned into an
 * inclusive range of calendar days, as Metabase's `date-string->range` does.
 *
 * Supported (what the dashboards use):
 *   - single day `2024-01-31`, month `2024-01`, quarter `Q1-2024`;
 *   - ranges `2024-01-01~2024-03-31`, before `~2024-01-31` and after `2024-01-01~` (both exclusive of the
 *     given day, like Metabase);
 *   - `today`, `yesterday`, `this<unit>`, `last<unit>`, `past<n><unit>s`, `next<n><unit>s`, each of the last
 *     two optionally followed by `~` (include the current unit) or `-from-<m><unit>s` (shift), for the units
 *     day, month, quarter and year.
 * Refused with a TemplateError (never silently dropped): week units (they depend on Metabase's
 * start-of-week setting), hour/minute/second units, date-times, and `exclude-…` exclusions.
 */

/** A calendar day; months are 1-12. */
export interface Day {
  year: number;
  month: number;
  day: number;
}

/** Inclusive on both ends; an open side is undefined. */
export interface DayRange {
  start?: Day;
  end?: Day;
}

type Unit = "day" | "month" | "quarter" | "year";
const UNITS = "(millisecond|second|minute|hour|day|week|month|quarter|year)";
const SUPPORTED_UNITS = new Set<string>(["day", "month", "quarter", "year"]);

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isValidDay(d: Day): boolean {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= daysInMonth(d.year, d.month);
}

export function formatDay(d: Day): string {
  const y = String(d.year).padStart(4, "0");
  return `${y}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
}

/** `YYYY-MM-DD`, validated as a real calendar day. */
export function parseDay(text: string): Day | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return isValidDay(d) ? d : null;
}

/** Adds days (any sign). */
export function addDays(d: Day, days: number): Day {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Java's LocalDate.plusMonths: the day is clamped to the last day of the target month. */
function addMonths(d: Day, months: number): Day {
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { year, month, day: Math.min(d.day, daysInMonth(year, month)) };
}

function addUnits(d: Day, unit: Unit, n: number): Day {
  switch (unit) {
    case "day":
      return addDays(d, n);
    case "month":
      return addMonths(d, n);
    case "quarter":
      return addMonths(d, 3 * n);
    case "year":
      return addMonths(d, 12 * n);
  }
}

function startOf(d: Day, unit: Unit): Day {
  switch (unit) {
    case "day":
      return d;
    case "month":
      return { year: d.year, month: d.month, day: 1 };
    case "quarter":
      return { year: d.year, month: d.month - ((d.month - 1) % 3), day: 1 };
    case "year":
      return { year: d.year, month: 1, day: 1 };
  }
}

function endOf(d: Day, unit: Unit): Day {
  switch (unit) {
    case "day":
      return d;
    case "month":
      return { year: d.year, month: d.month, day: daysInMonth(d.year, d.month) };
    case "quarter": {
      const month = d.month - ((d.month - 1) % 3) + 2;
      return { year: d.year, month, day: daysInMonth(d.year, month) };
    }
    case "year":
      return { year: d.year, month: 12, day: 31 };
  }
}

function unitRange(start: Day, end: Day, unit: Unit): DayRange {
  return { start: startOf(start, unit), end: endOf(end, unit) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `now` in `timeZone`. Formatters are cached: building one costs more than a render. */
export function dayIn(now: Date, timeZone: string): Day {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get("year"), month: get("month"), day: get("day") };
}

function invalid(text: string): TemplateError {
  return new TemplateError(`Don't know how to parse date param '${text}' — invalid format`, {
    code: "invalid-parameter",
  });
}

function unsupported(text: string, why: string): TemplateError {
  return new TemplateError(`Unsupported date filter value '${text}': ${why}`, { code: "unsupported" });
}

function checkUnit(text: string, unit: string): Unit {
  if (!SUPPORTED_UNITS.has(unit)) {
    throw unsupported(text, `the unit "${unit}" is not supported (use day, month, quarter or year)`);
  }
  return unit as Unit;
}

function relativeRange(text: string, today: Day): DayRange | null {
  if (text === "today") return { start: today, end: today };
  if (text === "yesterday") {
    const y = addDays(today, -1);
    return { start: y, end: y };
  }
  const relative = new RegExp(`^(past|next)([0-9]+)${UNITS}s(|~|-from-([0-9]+)${UNITS}s)$`).exec(text);
  if (relative) {
    const [, direction, count, rawUnit, suffix, offsetCount, rawOffsetUnit] = relative;
    const unit = checkUnit(text, rawUnit!);
    const n = Number(count);
    let base = today;
    if (rawOffsetUnit !== undefined) {
      const offsetUnit = checkUnit(text, rawOffsetUnit);
      const m = Number(offsetCount);
      base = addUnits(base, offsetUnit, direction === "past" ? -m : m);
    }
    const includeCurrent = suffix === "~";
    return direction === "past"
      ? unitRange(addUnits(base, unit, -n), addUnits(base, unit, includeCurrent ? 0 : -1), unit)
      : unitRange(addUnits(base, unit, includeCurrent ? 0 : 1), addUnits(base, unit, n), unit);
  }
  const lastOrThis = new RegExp(`^(last|this)${UNITS}$`).exec(text);
  if (lastOrThis) {
    const unit = checkUnit(text, lastOrThis[2]!);
    const day = lastOrThis[1] === "last" ? addUnits(today, unit, -1) : today;
    return unitRange(day, day, unit);
  }
  return null;
}

function absoluteDay(text: string, whole: string): Day {
  if (text.includes("T") || text.includes(":")) throw unsupported(whole, "date-times are not supported");
  const d = parseDay(text);
  if (!d) throw invalid(whole);
  return d;
}

function absoluteRange(text: string): DayRange | null {
  const month = /^([0-9]{4})-([0-9]{2})$/.exec(text);
  if (month) {
    const d = { year: Number(month[1]), month: Number(month[2]), day: 1 };
    if (!isValidDay(d)) throw invalid(text);
    return unitRange(d, d, "month");
  }
  const quarter = /^Q([1-4])-([0-9]{4})$/.exec(text);
  if (quarter) {
    const d = { year: Number(quarter[2]), month: (Number(quarter[1]) - 1) * 3 + 1, day: 1 };
    return unitRange(d, d, "quarter");
  }
  if (/^[0-9T:-]+$/.test(text)) {
    const d = absoluteDay(text, text);
    return { start: d, end: d };
  }
  const between = /^([0-9T:-]+)~([0-9T:-]+)$/.exec(text);
  if (between) return { start: absoluteDay(between[1]!, text), end: absoluteDay(between[2]!, text) };
  const before = /^~([0-9T:-]+)$/.exec(text);
  if (before) return { end: absoluteDay(before[1]!, text) };
  const after = /^([0-9T:-]+)~$/.exec(text);
  if (after) return { start: absoluteDay(after[1]!, text) };
  if (new RegExp(`^exclude-${UNITS}s-`).test(text)) throw unsupported(text, "exclusions are not supported");
  return null;
}

/** Inclusive day range of a Metabase date string; throws TemplateError on anything else. */
export function dateStringToRange(text: string, today: Day): DayRange {
  const range = relativeRange(text, today) ?? absoluteRange(text);
  if (!range) throw invalid(text);
  if (range.start && range.end && formatDay(range.start) > formatDay(range.end)) {
    throw new TemplateError(`Invalid date range '${text}': :start must come before :end`, {
      code: "invalid-parameter",
    });
  }
  return range;
}
