import { NativeQueryError, unsupported } from "./errors.js";
import {
  date,
  formatLocal,
  localNow,
  parseLocal,
  plus,
  toLocalDate,
  truncate,
  withOffset,
  type Local,
  type Unit,
  type Weekday,
} from "./temporal.js";

/**
 * Metabase's date strings (`query_processor/parameters/dates.clj`, formerly `driver/common/parameters/dates.clj`):
 * `date-string->range`, an inclusive range of dates (date-times for hour, minute and second units), and
 * `date-str->datetime-range`, the half-open range compared with `:type/DateTime` columns.
 */

export interface DateContext {
  now: Date;
  /** The clock's zone: "today" is the date there. */
  timeZone: string;
  startOfWeek: Weekday;
}

interface RawRange {
  start?: Local;
  end?: Local;
  unit: Unit;
}

const UNITS = "(millisecond|second|minute|hour|day|week|month|quarter|year)";
const RELATIVE_SUFFIX = `(|~|-from-([0-9]+)${UNITS}s)`;
const EXCLUDE = new RegExp(`^exclude-${UNITS}s-([-\\p{L}\\p{N}]+)$`, "u");

function unitOf(name: string, text: string): Unit {
  if (name === "millisecond") throw unsupported(`millisecond date units ('${text}')`);
  return name as Unit;
}

/** `unit-range`: day ranges as dates; sub-day units truncated to the unit; longer units widened to whole units. */
function unitRange(unit: Unit, start: Local, end: Local, ctx: DateContext): RawRange {
  if (unit === "day") return { start: toLocalDate(start), end: toLocalDate(end), unit };
  if (unit === "second" || unit === "minute" || unit === "hour") {
    return { start: truncate(start, unit, ctx.startOfWeek), end: truncate(end, unit, ctx.startOfWeek), unit };
  }
  const last = plus(plus(truncate(end, unit, ctx.startOfWeek), unit, 1), "day", -1);
  return { start: truncate(start, unit, ctx.startOfWeek), end: last, unit };
}

/** `maybe-reduce-resolution`: units of a day or more work on the date. */
function resolution(unit: Unit, t: Local): Local {
  return unit === "second" || unit === "minute" || unit === "hour" ? t : toLocalDate(t);
}

function relativeRange(s: string, ctx: DateContext): RawRange | undefined {
  const now = localNow(ctx.now, ctx.timeZone);
  if (s === "today") return { start: toLocalDate(now), end: toLocalDate(now), unit: "day" };
  if (s === "yesterday") {
    const y = plus(toLocalDate(now), "day", -1);
    return { start: y, end: y, unit: "day" };
  }
  const pastNext = new RegExp(`^(past|next)([0-9]+)${UNITS}s${RELATIVE_SUFFIX}$`).exec(s);
  if (pastNext) {
    const [, direction, count, unitName, suffix, offsetCount, offsetUnit] = pastNext;
    const unit = unitOf(unitName!, s);
    const sign = direction === "past" ? -1 : 1;
    const offset = offsetUnit ? plus(now, unitOf(offsetUnit, s), sign * Number(offsetCount)) : now;
    const at = resolution(unit, offset);
    const current = suffix === "~" ? 0 : 1;
    return direction === "past"
      ? unitRange(unit, plus(at, unit, -Number(count)), plus(at, unit, -current), ctx)
      : unitRange(unit, plus(at, unit, current), plus(at, unit, Number(count)), ctx);
  }
  const lastThis = new RegExp(`^(last|this)${UNITS}$`).exec(s);
  if (lastThis) {
    const unit = unitOf(lastThis[2]!, s);
    const at = plus(resolution(unit, now), unit, lastThis[1] === "last" ? -1 : 0);
    return unitRange(unit, at, at, ctx);
  }
  return undefined;
}

function absoluteRange(s: string, ctx: DateContext): RawRange | undefined {
  const unitFor = (text: string): Unit => (text.includes("T") ? "minute" : "day");
  let m = /^([0-9]{4})-([0-9]{2})$/.exec(s);
  if (m) {
    const first = parseLocal(`${m[1]}-${m[2]}-01`);
    return unitRange("month", first, first, ctx);
  }
  m = /^Q([1-4])-([0-9]{4})$/.exec(s);
  if (m) {
    const first = date(Number(m[2]), (Number(m[1]) - 1) * 3 + 1, 1);
    return { start: first, end: plus(plus(first, "month", 3), "day", -1), unit: "quarter" };
  }
  m = /^([0-9T:-]+)$/.exec(s);
  if (m) {
    const t = parseLocal(m[1]!);
    return { start: t, end: t, unit: unitFor(m[1]!) };
  }
  m = /^([0-9T:-]+)~([0-9T:-]+)$/.exec(s);
  if (m) return { start: parseLocal(m[1]!), end: parseLocal(m[2]!), unit: unitFor(m[1]!) };
  m = /^~([0-9T:-]+)$/.exec(s);
  if (m) return { end: parseLocal(m[1]!), unit: unitFor(m[1]!) };
  m = /^([0-9T:-]+)~$/.exec(s);
  if (m) return { start: parseLocal(m[1]!), unit: unitFor(m[1]!) };
  return undefined;
}

export function isExclusion(s: unknown): boolean {
  return typeof s === "string" && EXCLUDE.test(s);
}

/** `date-string->raw-range`: relative decoders first, then absolute ones, else Metabase's parse error. */
function rawRange(s: string, ctx: DateContext): RawRange {
  const range = relativeRange(s, ctx) ?? absoluteRange(s, ctx);
  if (!range) {
    throw new NativeQueryError(
      `Don't know how to parse date param '${s}' — invalid format`,
      "invalid-parameter",
    );
  }
  return range;
}

export interface StringRange {
  start?: string;
  end?: string;
}

/** `date-string->range` with its default options: both ends inclusive, formatted ISO strings. */
export function dateStringToRange(s: string, ctx: DateContext): StringRange {
  const { start, end } = rawRange(s, ctx);
  return {
    ...(start ? { start: formatLocal(start) } : {}),
    ...(end ? { end: formatLocal(end) } : {}),
  };
}

/**
 * `date-str->datetime-range`: the inclusive range as date-times (offset ones on columns with a time zone), the
 * end pushed one unit later to make it exclusive, and an open range moved by one unit so that "after" and
 * "before" exclude the day given, as on date columns.
 */
export function dateStrToDatetimeRange(
  s: string,
  withTimeZone: boolean,
  ctx: DateContext,
): { start?: string; end?: string } {
  let range: { start?: Local; end?: Local };
  let unit: Unit;
  try {
    const raw = rawRange(s, ctx);
    range = raw;
    unit = raw.unit;
  } catch {
    // `fallback-raw-range`: the first date-like run of the string, as both ends.
    const found = /\d+-\d+-\d+T?(\d+)?(:\d+)?(:\d+)?/.exec(s)?.[0];
    if (!found)
      throw new NativeQueryError(
        `Don't know how to parse date param '${s}' — invalid format`,
        "invalid-parameter",
      );
    const t = parseLocal(found);
    range = { start: t, end: t };
    unit = "day";
  }
  const stepOf = (t: Local): Unit => (t.dateOnly ? "day" : "minute");
  const endStep: Unit | undefined =
    unit === "second" || unit === "hour" ? unit : range.end ? stepOf(range.end) : undefined;
  const asDateTime = (t: Local): Local => ({ ...t, dateOnly: false });
  let start = range.start && asDateTime(range.start);
  let end = range.end && endStep ? plus(asDateTime(range.end), endStep, 1) : undefined;
  const openStep = stepOf((range.start ?? range.end)!);
  if (start && !end) start = plus(start, openStep, 1);
  if (end && !start) end = plus(end, openStep, -1);
  const format = (t: Local) => (withTimeZone ? withOffset(t, ctx.timeZone) : formatLocal(t));
  return { ...(start ? { start: format(start) } : {}), ...(end ? { end: format(end) } : {}) };
}
