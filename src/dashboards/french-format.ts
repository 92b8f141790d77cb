import type { Day } from "../template/index.js";

/**
 * Dates as French readers write them, whatever the machine's locale and time zone: the values are
 * calendar days, so they are formatted in UTC from their own year, month and day.
 */

const LONG_DATE = new Intl.DateTimeFormat("fr-FR", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** « 31 octobre 2026 », « 1er novembre 2026 ». */
export function frenchLongDate(day: Day): string {
  const text = LONG_DATE.format(Date.UTC(day.year, day.month - 1, day.day));
  return day.day === 1 ? text.replace(/^1 /, "1er ") : text;
}

const SHORT_DAY = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", timeZone: "UTC" });

/** « 14 sept. », « 1er déc. »: a day along a chart's axis, where the year is in the table beside it. */
export function frenchShortDay(day: Day): string {
  const text = SHORT_DAY.format(Date.UTC(day.year, day.month - 1, day.day));
  return day.day === 1 ? text.replace(/^1 /, "1er ") : text;
}
