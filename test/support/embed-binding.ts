import { loadCatalog, type Dashboard } from "../../src/catalog/index.js";
import { markVerified, recordBinding } from "../../src/metabase/object-map.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import type { Queryable } from "../../src/storage/database.js";

/** The Metabase id the embed's tests and bench give their dashboard (no Metabase is asked for it). */
export const BOUND_METABASE_ID = 42;

/**
 * What `pilotage apply` records once Metabase holds the catalog's dashboard `key` with its lock contract
 * verified: the embed endpoint then signs tokens for it without asking Metabase anything.
 */
export async function bindVerifiedDashboard(db: Queryable, key: string): Promise<Dashboard> {
  const dashboard = (await loadCatalog(PROJECT_ROOT)).dashboards.find((d) => d.key === key);
  if (!dashboard) throw new Error(`no dashboard ${key} in the catalog`);
  await recordBinding(db, {
    model: "dashboard",
    key: dashboard.key,
    metabaseId: BOUND_METABASE_ID,
    entityId: null,
    contentVersion: dashboard.contentVersion,
    embeddingParams: { departement: "locked" },
  });
  await markVerified(db, dashboard.key, dashboard.contentVersion);
  return dashboard;
}
