import { collectionsInOrder, type SyncDefinitions } from "../../src/metabase/definitions.js";
import {
  cardEmbeddingPayload,
  cardPayload,
  collectionPayload,
  dashboardUpdatePayload,
} from "../../src/metabase/payloads.js";
import type { RemoteLists, SyncTarget } from "../../src/metabase/plan.js";
import { Card, Collection, Dashboard, DashboardSummary } from "../../src/metabase/schemas.js";
import { featuresOf } from "../../src/metabase/version.js";

/**
 * What a Metabase instance holds right after a perfect apply of `definitions`, built from the sync's own
 * payloads, for the pure tests of plan and lock contract. `mbql5` answers cards the way v57+ does.
 */
export const FIELDS = new Map([
  ["entrepot.candidatures.departement", 101],
  ["entrepot.candidatures.date_candidature", 102],
  ["entrepot.structures.departement", 103],
]);

export function sampleTarget(major = 50): SyncTarget {
  const version = { tag: `v0.${major}.3`, major, minor: 3 };
  return {
    siteUrl: "http://metabase.test",
    version,
    features: featuresOf(version),
    warehouseDatabaseId: 2,
    fieldIdByColumn: FIELDS,
    columnByFieldId: new Map([...FIELDS].map(([column, id]) => [id, column])),
  };
}

export interface AppliedState {
  lists: RemoteLists;
  details: Map<number, Dashboard>;
  ids: { collection: Map<string, number>; card: Map<string, number>; dashboard: Map<string, number> };
}

export function appliedState(
  definitions: SyncDefinitions,
  options: { mbql5?: boolean; target?: SyncTarget } = {},
): AppliedState {
  const target = options.target ?? sampleTarget();
  const ids = {
    collection: new Map<string, number>(),
    card: new Map<string, number>(),
    dashboard: new Map<string, number>(),
  };
  const collections: Collection[] = [];
  let next = 100;
  for (const c of collectionsInOrder(definitions.collections)) {
    const id = next++;
    ids.collection.set(c.key, id);
    const parentId = c.parent === undefined ? undefined : ids.collection.get(c.parent);
    const parent = parentId === undefined ? undefined : collections.find((x) => x.id === parentId);
    const body = collectionPayload(c, parentId);
    collections.push(
      Collection.parse({
        ...body,
        id,
        entity_id: `collection-entity-${id}`.padEnd(21, "x").slice(0, 21),
        location: parent ? `${parent.location ?? "/"}${parentId}/` : "/",
        archived: false,
      }),
    );
  }
  const cards: Card[] = [];
  definitions.questions.forEach((q, i) => {
    const id = i + 1;
    ids.card.set(q.key, id);
    const body = cardPayload(q, {
      databaseId: target.warehouseDatabaseId,
      fieldIdByColumn: target.fieldIdByColumn,
      collectionId: ids.collection.get(q.collection)!,
      features: target.features,
    });
    const query = body.dataset_query as {
      database: number;
      native: { query: string; "template-tags": unknown };
    };
    cards.push(
      Card.parse({
        ...body,
        ...cardEmbeddingPayload(q, definitions),
        id,
        entity_id: `card-entity-${id}`.padEnd(21, "x"),
        archived: false,
        updated_at: "2026-01-01T00:00:00Z",
        dataset_query: options.mbql5
          ? {
              "lib/type": "mbql/query",
              database: query.database,
              stages: [
                {
                  "lib/type": "mbql.stage/native",
                  native: query.native.query,
                  "template-tags": mbql5Tags(query.native["template-tags"]),
                },
              ],
            }
          : query,
        parameters: (body.parameters as Array<{ target: unknown[] }>).map((p) =>
          options.mbql5 ? { ...p, target: [...p.target, { "stage-number": 0 }] } : p,
        ),
      }),
    );
  });
  const dashboards: DashboardSummary[] = [];
  const details = new Map<number, Dashboard>();
  definitions.dashboards.forEach((d, i) => {
    const id = 10 + i;
    ids.dashboard.set(d.key, id);
    const body = dashboardUpdatePayload(d, {
      collectionId: ids.collection.get(d.collection)!,
      cardIdByKey: ids.card,
      questionsByKey: new Map(definitions.questions.map((q) => [q.key, q])),
      current: [],
    });
    const dashcards = (body.dashcards as Array<Record<string, unknown>>).map((dc, k) => ({
      ...dc,
      id: 1000 * id + k,
    }));
    const common = {
      ...body,
      id,
      entity_id: `dash-entity-${id}`.padEnd(21, "x"),
      archived: false,
      updated_at: "2026-01-01T00:00:00Z",
      "last-edit-info": { timestamp: "2026-01-01T00:00:00Z" },
    };
    dashboards.push(DashboardSummary.parse(common));
    details.set(id, Dashboard.parse({ ...common, dashcards, tabs: [] }));
  });
  return { lists: { collections, cards, dashboards }, details, ids };
}

function mbql5Tags(tags: unknown): unknown {
  if (typeof tags !== "object" || tags === null) return tags;
  return Object.fromEntries(
    Object.entries(tags).map(([name, tag]) => {
      const dimension = (tag as { dimension?: unknown[] }).dimension;
      return [
        name,
        Array.isArray(dimension)
          ? { ...tag, dimension: ["field", { "lib/uuid": "u-" + name }, dimension[1]] }
          : tag,
      ];
    }),
  );
}
