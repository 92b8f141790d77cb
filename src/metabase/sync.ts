import type { Queryable } from "../storage/database.js";
import type { MetabaseClient } from "./client.js";
import type { SyncDefinitions } from "./definitions.js";
import { clearVerified, readStoredObjects } from "./object-map.js";
import { computePlan, type Plan, type PlanContext } from "./plan.js";
import { connect, type ConnectOptions } from "./preflight.js";
import { readDashboardOrNothing, readRemoteLists } from "./remote-state.js";

/**
 * One sync session: preflight, Metabase's lists, the mapping table, the plan. `plan`, `apply` and `pull`
 * all start here, so they always agree on what differs.
 */
export interface SyncSession {
  client: MetabaseClient;
  plan: Plan;
  context: PlanContext;
  /** Things the preflight noticed that do not stop the run. */
  warnings: string[];
  /** Dashboards the gateway stopped serving because their lock contract is broken in Metabase right now. */
  unverified: string[];
}

export async function openSyncSession(options: {
  connect: ConnectOptions;
  definitions: SyncDefinitions;
  db: Queryable;
}): Promise<SyncSession> {
  const connection = await connect(options.connect, options.definitions);
  const [lists, stored] = await Promise.all([
    readRemoteLists(connection.client),
    readStoredObjects(options.db),
  ]);
  const { plan, context } = await computePlan(options.definitions, connection.target, lists, stored, (id) =>
    readDashboardOrNothing(connection.client, id),
  );
  // A broken lock found in Metabase takes effect at once: the gateway stops signing tokens for that
  // dashboard (it asks verifiedDashboardId) until an apply restores and re-verifies it. This is the one
  // write a plan makes, and it only ever goes in the safe direction.
  const unverified: string[] = [];
  for (const breach of plan.breaches) {
    if (await clearVerified(options.db, breach.dashboard)) unverified.push(breach.dashboard);
  }
  return { client: connection.client, plan, context, warnings: connection.warnings, unverified };
}
