import { z } from "zod";
import type { Queryable } from "../storage/database.js";
import { addDays, dayIn, formatDay, parseDay } from "../template/index.js";

/**
 * Views of public dashboards and notes, per week, without anything about the person (issue 19): counted
 * in this process's memory and added to `page_views` in one statement every `flushMs`, so a burst of
 * anonymous readers costs one write, not one INSERT each. Like the visit log it fails open: a count that
 * cannot be written is kept for the next flush (up to a bound), and the page is served anyway.
 */

export interface PageView {
  kind: "dashboard" | "note";
  key: string;
  signedIn: boolean;
}

export interface PageViewCounter {
  count(view: PageView): void;
  /** Writes what was counted since the last flush. */
  flush(): Promise<void>;
  /** Flushes and stops the timer (graceful shutdown). */
  stop(): Promise<void>;
}

const TIME_ZONE = "Europe/Paris";
/** Distinct (week, page, signed-in) counts kept in memory at most: beyond, new pages wait for a flush. */
const MAX_PENDING_KEYS = 10_000;

/** The Monday of `at`'s week, in Paris, as AAAA-MM-JJ. */
export function weekOf(at: Date): string {
  const day = dayIn(at, TIME_ZONE);
  const weekday = (new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay() + 6) % 7;
  return formatDay(addDays(day, -weekday));
}

export function createPageViewCounter(deps: {
  db: Queryable;
  flushMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}): PageViewCounter {
  const now = deps.now ?? (() => new Date());
  let pending = new Map<string, { week: string; view: PageView; views: number }>();
  let flushing: Promise<void> | undefined;

  const flushOnce = async () => {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      await deps.db.query(
        `INSERT INTO page_views (week, resource_kind, resource_key, signed_in, views)
         SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::boolean[], $5::bigint[])
         ON CONFLICT (week, resource_kind, resource_key, signed_in)
         DO UPDATE SET views = page_views.views + EXCLUDED.views`,
        [
          batch.map((b) => b.week),
          batch.map((b) => b.view.kind),
          batch.map((b) => b.view.key),
          batch.map((b) => b.view.signedIn),
          batch.map((b) => b.views),
        ],
      );
    } catch (error) {
      // Kept for the next flush: the database may be back by then.
      for (const b of batch) add(b.week, b.view, b.views);
      deps.onError?.(error);
    }
  };
  const flush = async () => {
    while (flushing) await flushing;
    flushing = flushOnce().finally(() => (flushing = undefined));
    await flushing;
  };

  function add(week: string, view: PageView, views: number) {
    const key = JSON.stringify([week, view.kind, view.key, view.signedIn]);
    const entry = pending.get(key);
    if (entry) entry.views += views;
    else if (pending.size < MAX_PENDING_KEYS) pending.set(key, { week, view, views });
  }

  const timer = setInterval(() => void flush(), deps.flushMs ?? 10_000);
  timer.unref();
  return {
    count: (view) => add(weekOf(now()), view, 1),
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}

const WeeklyRow = z
  .object({
    week: z.coerce.date(),
    resource_kind: z.enum(["dashboard", "note"]),
    resource_key: z.string(),
    anonymous: z.coerce.number(),
    signed_in: z.coerce.number(),
  })
  .transform((r) => ({
    week: r.week.toISOString().slice(0, 10),
    kind: r.resource_kind,
    key: r.resource_key,
    anonymous: r.anonymous,
    signedIn: r.signed_in,
  }));
export type WeeklyPageViews = z.output<typeof WeeklyRow>;

/** The Mondays of the last `weeks` weeks (the current one included), oldest first. */
export function lastWeeks(now: Date, weeks: number): string[] {
  const monday = parseDay(weekOf(now))!;
  return Array.from({ length: weeks }, (_, i) => formatDay(addDays(monday, -7 * (weeks - 1 - i))));
}

/** Views per page and week over the last `weeks` weeks (the current one included), newest week first. */
export async function weeklyPageViews(
  db: Queryable,
  options: { weeks: number; now?: Date },
): Promise<WeeklyPageViews[]> {
  const [since] = lastWeeks(options.now ?? new Date(), options.weeks);
  const { rows } = await db.query(
    `SELECT week, resource_kind, resource_key,
            coalesce(sum(views) FILTER (WHERE NOT signed_in), 0) AS anonymous,
            coalesce(sum(views) FILTER (WHERE signed_in), 0) AS signed_in
       FROM page_views
      WHERE week >= $1::date
      GROUP BY 1, 2, 3
      ORDER BY 1 DESC, 2, 3`,
    [since],
  );
  return rows.map((r) => WeeklyRow.parse(r));
}
