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
const SHORT_DAY = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", timeZone: "UTC" });

/** The day in `format`, its first of the month written « 1er » as French does. */
function formatDay(format: Intl.DateTimeFormat, day: Day): string {
  const text = format.format(Date.UTC(day.year, day.month - 1, day.day));
  return day.day === 1 ? text.replace(/^1 /, "1er ") : text;
}

/** « 31 octobre 2026 », « 1er novembre 2026 ». */
export const frenchLongDate = (day: Day): string => formatDay(LONG_DATE, day);

/** « 14 sept. », « 1er déc. »: a day along a chart's axis, where the year is in the table beside it. */
export const frenchShortDay = (day: Day): string => formatDay(SHORT_DAY, day);
