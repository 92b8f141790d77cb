/**
 * Dates of the synthetic data as whole days since 1970-01-01 (UTC), so that arithmetic is exact and
 * nothing depends on the machine's time zone or clock.
 */
const MS_PER_DAY = 86_400_000;

export function dayOf(iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${iso}`);
  return ms / MS_PER_DAY;
}

export function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function yearOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** 1 to 12. */
export function monthOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCMonth() + 1;
}

/** The first day of a month (month 1 to 12; overflows roll into the next years). */
export function firstDayOfMonth(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) / MS_PER_DAY;
}

export function lastDayOfMonth(year: number, month: number): number {
  return Date.UTC(year, month, 1) / MS_PER_DAY - 1;
}
