import type { MetabaseClient } from "./client.js";
import { MetabaseError } from "./errors.js";
import type { RemoteLists } from "./plan.js";
import type { Dashboard } from "./schemas.js";

/**
 * What Metabase holds, read with list endpoints only: collections, cards and dashboards, live and archived
 * (six requests, whatever the size of the catalogue). Cards come back whole from the list, so card drift is
 * seen without reading any card; dashboards come back without their dashcards, so a dashboard is read in
 * full only when its change marker moved since the last apply (plan.ts, `dashboardChangeMarker`): Metabase
 * bumps `updated_at` and records a revision on every save, dashcard edits included.
 */
export async function readRemoteLists(client: MetabaseClient): Promise<RemoteLists> {
  const [collections, archivedCollections, cards, archivedCards, dashboards, archivedDashboards] =
    await Promise.all([
      client.collections({ archived: false }),
      client.collections({ archived: true }),
      client.cards({ archived: false }),
      client.cards({ archived: true }),
      client.dashboards({ archived: false }),
      client.dashboards({ archived: true }),
    ]);
  return {
    collections: byId([...collections, ...archivedCollections]),
    cards: byId([...cards, ...archivedCards]),
    dashboards: byId([...dashboards, ...archivedDashboards]),
  };
}

/** One object per id; an object in both lists (archived while listing) is kept as archived. */
function byId<T extends { id: number | string; archived: boolean }>(items: T[]): T[] {
  const map = new Map<number | string, T>();
  for (const item of items) {
    const seen = map.get(item.id);
    if (!seen || item.archived) map.set(item.id, item);
  }
  return [...map.values()];
}

/** A dashboard in full, or undefined when Metabase does not serve it (some versions 404 archived objects). */
export async function readDashboardOrNothing(
  client: MetabaseClient,
  id: number,
): Promise<Dashboard | undefined> {
  try {
    return await client.dashboard(id);
  } catch (error) {
    if (error instanceof MetabaseError && error.category === "not-found") return undefined;
    throw error;
  }
}
