import { createHash } from "node:crypto";
import type { DefinedCollection, DefinedDashboard, DefinedQuestion, SyncDefinitions } from "./definitions.js";
import { canonicalJson } from "./normalize.js";
import { cardEmbeddingPayload, cardPayload, collectionPayload, dashboardUpdatePayload } from "./payloads.js";
import type { SyncTarget } from "./plan.js";
import type { DashboardSummary } from "./schemas.js";

/**
 * What the plan compares: a hash of the payload `apply` would send for each object, recorded at apply time
 * in the mapping table, and the marker that says a dashboard was saved in Metabase since.
 */

export function fingerprint(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32);
}

/** `updated_at` and the last revision's time: they move on every save, dashcards included. */
export function dashboardChangeMarker(dashboard: DashboardSummary): string | null {
  const updated = dashboard.updated_at ?? "";
  const edited = dashboard["last-edit-info"]?.timestamp ?? "";
  return updated || edited ? `${updated}|${edited}` : null;
}

export interface IdLookup {
  collection(key: string): number | undefined;
  card(key: string): number | undefined;
}

export function cardFingerprint(
  question: DefinedQuestion,
  definitions: SyncDefinitions,
  target: SyncTarget,
  ids: IdLookup,
): string {
  return fingerprint({
    content: cardPayload(question, {
      databaseId: target.warehouseDatabaseId,
      fieldIdByColumn: target.fieldIdByColumn,
      collectionId: ids.collection(question.collection) ?? 0,
      features: target.features,
    }),
    embedding: cardEmbeddingPayload(question, definitions),
  });
}

export function dashboardFingerprint(
  dashboard: DefinedDashboard,
  definitions: SyncDefinitions,
  ids: IdLookup,
): string {
  const questionsByKey = new Map(definitions.questions.map((q) => [q.key, q]));
  const cardIdByKey = new Map(dashboard.cards.map((c) => [c.question, ids.card(c.question) ?? 0]));
  return fingerprint(
    dashboardUpdatePayload(dashboard, {
      collectionId: ids.collection(dashboard.collection) ?? 0,
      cardIdByKey,
      questionsByKey,
      current: [],
    }),
  );
}

/** A collection has no content version in the catalog; its definition's hash stands in. */
export function collectionVersion(collection: DefinedCollection): string {
  return fingerprint({
    key: collection.key,
    name: collection.name,
    description: collection.description,
    parent: collection.parent,
  });
}

export function collectionFingerprint(collection: DefinedCollection, ids: IdLookup): string {
  return fingerprint(
    collectionPayload(
      collection,
      collection.parent === undefined ? undefined : ids.collection(collection.parent),
    ),
  );
}
