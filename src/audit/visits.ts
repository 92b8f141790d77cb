import { z } from "zod";
import type { Queryable } from "../storage/database.js";
import { lastWeeks } from "./page-views.js";

/** The visit log: who opened which dashboard, from which organisation and territory, and when. */
export interface Visit {
  dashboardKey: string;
  dashboardId?: number | undefined;
  userSub: string;
  profileKind: string;
  organisationRef: string;
  departements: readonly string[];
  region?: string | undefined;
  preview: boolean;
}

export async function recordVisit(db: Queryable, visit: Visit): Promise<void> {
  await db.query(
    `INSERT INTO dashboard_visits (dashboard_key, dashboard_id, user_sub, profile_kind, organisation_ref, departements, region, preview)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      visit.dashboardKey,
      visit.dashboardId ?? null,
      visit.userSub,
      visit.profileKind,
      visit.organisationRef,
      [...visit.departements],
      visit.region ?? null,
      visit.preview,
    ],
  );
}

const UsageRow = z
  .object({
    week: z.coerce.date(),
    dashboard_key: z.string(),
    visits: z.coerce.number(),
    people: z.coerce.number(),
    organisations: z.coerce.number(),
  })
  .transform((r) => ({
    week: r.week.toISOString().slice(0, 10),
    dashboardKey: r.dashboard_key,
    visits: r.visits,
    people: r.people,
    organisations: r.organisations,
  }));
export type WeeklyUsage = z.output<typeof UsageRow>;

/**
 * Visits, distinct people and distinct organisations per dashboard and week (previews left out), over the
 * same whole weeks as `lastWeeks` (from the Monday of the oldest, in Paris): starting `weeks` weeks before
 * now, mid-week, made the oldest row a part of a week, read as a drop in use.
 */
export async function weeklyUsage(
  db: Queryable,
  options: { weeks?: number; now?: Date } = {},
): Promise<WeeklyUsage[]> {
  const [since] = lastWeeks(options.now ?? new Date(), options.weeks ?? 12);
  const { rows } = await db.query(
    `SELECT date_trunc('week', measured_at AT TIME ZONE 'Europe/Paris')::date AS week,
            dashboard_key,
            count(*) AS visits,
            count(DISTINCT user_sub) AS people,
            count(DISTINCT organisation_ref) AS organisations
       FROM dashboard_visits
      WHERE NOT preview AND measured_at >= ($1::date::timestamp AT TIME ZONE 'Europe/Paris')
      GROUP BY 1, 2
      ORDER BY 1 DESC, 3 DESC, 2`,
    [since],
  );
  return rows.map((r) => UsageRow.parse(r));
}
