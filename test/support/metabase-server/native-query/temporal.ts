import { NativeQueryError } from "./errors.js";

/**
 * The little of java.time the parameter code needs: a LocalDate (`dateOnly`) or LocalDateTime, with Java's
 * arithmetic (`plusMonths` clamps the day) and truncation, as `metabase.util.date-2` uses them.
 */
export interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  dateOnly: boolean;
}

export type Unit = "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year";
export type Weekday = "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday";

const WEEKDAYS: Weekday[] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

export function date(year: number, month: number, day: number): Local {
  return { year, month, day, hour: 0, minute: 0, second: 0, dateOnly: true };
}

export function toLocalDate(t: Local): Local {
  return date(t.year, t.month, t.day);
}

function fromEpoch(ms: number, dateOnly: boolean): Local {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: dateOnly ? 0 : d.getUTCHours(),
    minute: dateOnly ? 0 : d.getUTCMinutes(),
    second: dateOnly ? 0 : d.getUTCSeconds(),
    dateOnly,
  };
}

export function epoch(t: Local): number {
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  // Date.UTC maps years 0-99 to 1900-1999.
  return t.year >= 0 && t.year < 100 ? new Date(ms).setUTCFullYear(t.year) : ms;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const SECONDS: Partial<Record<Unit, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 604800,
};

export function plus(t: Local, unit: Unit, n: number): Local {
  const seconds = SECONDS[unit];
  if (seconds !== undefined) return fromEpoch(epoch(t) + seconds * n * 1000, t.dateOnly);
  const months = n * (unit === "year" ? 12 : unit === "quarter" ? 3 : 1);
  const index = t.year * 12 + (t.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { ...t, year, month, day: Math.min(t.day, daysInMonth(year, month)) };
}

export function dayOfWeek(t: Local): Weekday {
  return WEEKDAYS[new Date(epoch(toLocalDate(t))).getUTCDay()]!;
}

/** `u.date/truncate`: the start of the unit containing `t` (weeks start on the `start-of-week` setting). */
export function truncate(t: Local, unit: Unit, startOfWeek: Weekday): Local {
  switch (unit) {
    case "second":
      return t;
    case "minute":
      return { ...t, second: 0 };
    case "hour":
      return { ...t, minute: 0, second: 0 };
    case "day":
      return { ...t, hour: 0, minute: 0, second: 0 };
    case "week": {
      const back = (WEEKDAYS.indexOf(dayOfWeek(t)) - WEEKDAYS.indexOf(startOfWeek) + 7) % 7;
      return plus(truncate(t, "day", startOfWeek), "day", -back);
    }
    case "month":
      return { ...truncate(t, "day", startOfWeek), day: 1 };
    case "quarter":
      return { ...truncate(t, "day", startOfWeek), month: t.month - ((t.month - 1) % 3), day: 1 };
    case "year":
      return { ...truncate(t, "day", startOfWeek), month: 1, day: 1 };
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** ISO_LOCAL_DATE or ISO_LOCAL_DATE_TIME (seconds always printed, as `u.date/format` does). */
export function formatLocal(t: Local): string {
  const d = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  return t.dateOnly ? d : `${d}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

export function compareLocal(a: Local, b: Local): number {
  return epoch(a) - epoch(b);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(instant: number, timeZone: string): Local {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  const get = (type: string) =>
    Number(
      formatter!
        .formatToParts(instant)
        .find((p) => p.type === type)
        ?.value.replace(/^24$/, "0"),
    );
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
    dateOnly: false,
  };
}

/** `(t/local-date-time)` on a clock in `timeZone`. */
export function localNow(now: Date, timeZone: string): Local {
  return partsIn(now.getTime(), timeZone);
}

/** A local date-time at `timeZone`'s offset, as `.toOffsetDateTime` of a ZonedDateTime: `…T00:00:00+02:00`. */
export function withOffset(t: Local, timeZone: string): string {
  const local = epoch({ ...t, dateOnly: false });
  let instant = local;
  for (let i = 0; i < 3; i++) instant = local - (epoch(partsIn(instant, timeZone)) - instant);
  const offsetMinutes = Math.round((local - instant) / 60000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const offset = abs === 0 ? "Z" : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${formatLocal({ ...t, dateOnly: false })}${offset}`;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?$/;

/** `u.date/parse` for what parameters carry: a date or a local date-time (anything else is refused). */
export function parseLocal(s: string): Local {
  const m = ISO.exec(s);
  const t = m && {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    dateOnly: m[4] === undefined,
  };
  if (
    !t ||
    t.month < 1 ||
    t.month > 12 ||
    t.day < 1 ||
    t.day > daysInMonth(t.year, t.month) ||
    t.hour > 23 ||
    t.minute > 59 ||
    t.second > 59
  ) {
    throw new NativeQueryError(`Text '${s}' could not be parsed as a date or date-time`, "invalid-parameter");
  }
  return t;
}
