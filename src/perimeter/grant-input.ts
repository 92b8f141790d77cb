/**
 * Staff input about grants and access requests, read strictly (the admin pages and `pilotage grants`
 * alike): a record number is digits only, never `1e0`, `0x1` or a number past what the database holds;
 * a date is a real day that reads back as written, never `2026-02-31` rolled over into March.
 */

/** Bigserial ids, kept within JavaScript's safe integers (15 digits is plenty). */
const RECORD_ID = /^[1-9][0-9]{0,14}$/;

/** A record number (`12`), or null for anything else (`abc`, `1e0`, `0x1`, `012`, 20 digits). */
export function parseRecordId(value: unknown): number | null {
  return typeof value === "string" && RECORD_ID.test(value) ? Number(value) : null;
}

/** A calendar day `AAAA-MM-JJ` that exists (midnight UTC), or null. */
export function parseDay(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value ? date : null;
}

/**
 * The end of a grant typed by staff: the last second of that day (UTC), never a day already past.
 * Returns the French problem instead when there is one.
 */
export function parseValidUntil(value: string, now: Date): { date: Date } | { problem: string } {
  const day = parseDay(value.trim());
  if (!day) return { problem: `« ${value} » n'est pas une date AAAA-MM-JJ qui existe.` };
  if (value.trim() < now.toISOString().slice(0, 10))
    return { problem: `La date de fin (${value.trim()}) est déjà passée.` };
  return { date: new Date(day.getTime() + 24 * 3600 * 1000 - 1000) };
}
