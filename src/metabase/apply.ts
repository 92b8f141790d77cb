import { countOf } from "../french-plural.js";
import type { Queryable } from "../storage/database.js";
import type { MetabaseClient } from "./client.js";
import {
  cardEmbeddingParams,
  dashboardEmbeddingParams,
  type DefinedDashboard,
  type DefinedQuestion,
} from "./definitions.js";
import { MetabaseError } from "./errors.js";
import { checkLockContract } from "./lock-contract.js";
import { clearVerified, markVerified, recordApplied, recordBinding, type ObjectModel } from "./object-map.js";
import {
  cardEmbeddingPayload,
  cardPayload,
  collectionPayload,
  dashboardCreatePayload,
  dashboardUpdatePayload,
  type CurrentDashcard,
} from "./payloads.js";
import {
  cardFingerprint,
  collectionFingerprint,
  collectionVersion,
  dashboardChangeMarker,
  dashboardFingerprint,
  type ContractBreach,
  type Plan,
  type PlanContext,
  type PlanEntry,
} from "./plan.js";
import { readDashboardOrNothing } from "./remote-state.js";
import type { Dashboard } from "./schemas.js";

/**
 * Carries a plan out, in dependency order (collections, cards, dashboards, then archives), records each new
 * binding as soon as its object exists, then reads every managed dashboard back and checks its lock contract
 * on what Metabase returned. Never deletes anything; a failure stops the run with a message, and a rerun
 * finds what was already written (mapping table, then ownership markers) and carries on.
 */
export interface ApplyResult {
  written: number;
  verified: string[];
  breaches: ContractBreach[];
}

const NOUN: Record<ObjectModel, string> = {
  collection: "collection",
  card: "question",
  dashboard: "tableau de bord",
};
/** The participle agrees with the noun: « collection … : créée », « tableau de bord … : créé ». */
const DONE: Record<PlanEntry["action"], { masculine: string; feminine: string }> = {
  create: { masculine: "créé", feminine: "créée" },
  update: { masculine: "mis à jour", feminine: "mise à jour" },
  restore: { masculine: "restauré", feminine: "restaurée" },
  archive: { masculine: "archivé", feminine: "archivée" },
  record: { masculine: "inchangé", feminine: "inchangée" },
  noop: { masculine: "inchangé", feminine: "inchangée" },
};
const FEMININE: Record<ObjectModel, boolean> = { collection: true, card: true, dashboard: false };

export async function applyPlan(options: {
  client: MetabaseClient;
  db: Queryable;
  plan: Plan;
  context: PlanContext;
  progress: (line: string) => void;
}): Promise<ApplyResult> {
  const { client, db, plan, context, progress } = options;
  const { definitions, target } = context;
  if (plan.conflicts.length > 0) {
    throw new MetabaseError(
      "conflict",
      "Rien n'a été écrit : Metabase contient des objets gérés que la synchronisation ne doit pas déplacer d'elle-même.",
      { problems: plan.conflicts },
    );
  }

  const ids = {
    collection: new Map([...context.bound.collection].map(([key, b]) => [key, b.object.id])),
    card: new Map([...context.bound.card].map(([key, b]) => [key, b.object.id])),
    dashboard: new Map([...context.bound.dashboard].map(([key, b]) => [key, b.object.id])),
  };
  const entityIds = new Map<string, string | null | undefined>();
  const lookup = {
    collection: (key: string) => ids.collection.get(key),
    card: (key: string) => ids.card.get(key),
  };
  const collectionsByKey = new Map(definitions.collections.map((c) => [c.key, c]));
  const questionsByKey = new Map(definitions.questions.map((q) => [q.key, q]));
  const dashboardsByKey = new Map(definitions.dashboards.map((d) => [d.key, d]));
  const collectionIdFor = (key: string): number => {
    const id = ids.collection.get(key);
    if (id === undefined) throw new Error(`collection ${key} has no id yet`);
    return id;
  };

  const order: ObjectModel[] = ["collection", "card", "dashboard"];
  const writes = [
    ...order.flatMap((model) =>
      plan.entries.filter((e) => e.model === model && ["create", "update", "restore"].includes(e.action)),
    ),
    ...plan.entries.filter((e) => e.model === "dashboard" && e.action === "archive"),
    ...plan.entries.filter((e) => e.model === "card" && e.action === "archive"),
  ];
  let done = 0;

  // Dashboards whose Metabase side this apply changes (themselves, or a card they show) stop being verified
  // while it writes, so that no gateway signs for a half-written dashboard; the read-back below verifies
  // them again, and an apply that stops midway leaves them unverified (the pages say so), never wrongly
  // verified.
  const writtenCards = new Set(writes.filter((e) => e.model === "card").map((e) => e.key));
  const writtenDashboards = new Set(writes.filter((e) => e.model === "dashboard").map((e) => e.key));
  for (const dashboard of definitions.dashboards) {
    if (writtenDashboards.has(dashboard.key) || dashboard.cards.some((c) => writtenCards.has(c.question)))
      await clearVerified(db, dashboard.key);
  }

  for (const entry of writes) {
    try {
      if (entry.model === "collection") {
        const def = required(collectionsByKey.get(entry.key), entry.key);
        const body = collectionPayload(
          def,
          def.parent === undefined ? undefined : collectionIdFor(def.parent),
        );
        if (entry.action === "create") {
          const created = await client.createCollection(body);
          ids.collection.set(entry.key, created.id);
          entityIds.set(`collection:${entry.key}`, created.entity_id);
          await recordBinding(db, {
            model: "collection",
            key: entry.key,
            metabaseId: created.id,
            entityId: created.entity_id,
            contentVersion: collectionVersion(def),
          });
        } else {
          const id = required(entry.metabaseId, entry.key);
          if (entry.action === "restore") await client.updateCollection(id, { archived: false });
          await client.updateCollection(id, body);
        }
      } else if (entry.model === "card" && entry.action !== "archive") {
        const question = required(questionsByKey.get(entry.key), entry.key);
        const body = cardPayload(question, {
          databaseId: target.warehouseDatabaseId,
          fieldIdByColumn: target.fieldIdByColumn,
          collectionId: collectionIdFor(question.collection),
          features: target.features,
        });
        const embedding = cardEmbeddingPayload(question, definitions);
        if (entry.action === "create") {
          const created = await client.createCard(body);
          ids.card.set(entry.key, created.id);
          await recordBinding(
            db,
            cardRecord(question, created.id, created.entity_id, definitions.dashboards),
          );
          await client.updateCard(created.id, embedding);
        } else {
          const id = required(entry.metabaseId, entry.key);
          if (entry.action === "restore") await client.updateCard(id, { archived: false });
          await client.updateCard(id, { ...body, ...embedding });
        }
      } else if (entry.model === "dashboard" && entry.action !== "archive") {
        const dashboard = required(dashboardsByKey.get(entry.key), entry.key);
        const collectionId = collectionIdFor(dashboard.collection);
        let id: number;
        let current: CurrentDashcard[] = [];
        if (entry.action === "create") {
          const created = await client.createDashboard(dashboardCreatePayload(dashboard, collectionId));
          id = created.id;
          ids.dashboard.set(entry.key, id);
          await recordBinding(db, {
            model: "dashboard",
            key: dashboard.key,
            metabaseId: id,
            entityId: created.entity_id,
            contentVersion: dashboard.contentVersion,
            embeddingParams: dashboardEmbeddingParams(dashboard),
          });
        } else {
          id = required(entry.metabaseId, entry.key);
          // Metabase refuses dashcard changes on an archived dashboard, even with `archived: false` in the
          // same request: restore first.
          if (entry.action === "restore") await client.updateDashboard(id, { archived: false });
          const detail =
            entry.action === "update"
              ? (context.details.get(id) ?? (await client.dashboard(id)))
              : await client.dashboard(id);
          current = currentDashcards(detail, ids.card);
        }
        await client.updateDashboard(
          id,
          dashboardUpdatePayload(dashboard, {
            collectionId,
            cardIdByKey: ids.card,
            questionsByKey,
            current,
          }),
        );
      } else {
        await (entry.model === "dashboard"
          ? client.updateDashboard(required(entry.metabaseId, entry.key), { archived: true })
          : client.updateCard(required(entry.metabaseId, entry.key), { archived: true }));
        if (entry.model === "dashboard") await clearVerified(db, entry.key);
      }
    } catch (error) {
      throw stopped(entry, error);
    }
    done++;
    const id = entry.metabaseId ?? ids[entry.model].get(entry.key);
    const participle = DONE[entry.action][FEMININE[entry.model] ? "feminine" : "masculine"];
    progress(`[${done}/${writes.length}] ${NOUN[entry.model]} ${entry.key} : ${participle} (#${id})`);
  }

  // Read back: every managed dashboard and the cards, as Metabase now serves them.
  progress(
    `Relecture de ${countOf(definitions.dashboards.length, "tableau de bord", "tableaux de bord")} et vérification des verrous…`,
  );
  const cardsNow = await client.cards({ archived: false });
  const cardsById = new Map(cardsNow.map((c) => [c.id, c]));
  const readBack = new Map<string, Dashboard | undefined>();
  for (const dashboard of definitions.dashboards) {
    const id = ids.dashboard.get(dashboard.key);
    readBack.set(dashboard.key, id === undefined ? undefined : await readDashboardOrNothing(client, id));
  }
  const listedNow = new Map((await client.dashboards({ archived: false })).map((d) => [d.id, d]));

  for (const def of definitions.collections) {
    const id = ids.collection.get(def.key);
    if (id === undefined) continue;
    const source = context.bound.collection.get(def.key)?.object.source;
    await recordApplied(db, {
      model: "collection",
      key: def.key,
      metabaseId: id,
      entityId: entityIds.get(`collection:${def.key}`) ?? source?.entity_id,
      contentVersion: collectionVersion(def),
      appliedFingerprint: collectionFingerprint(def, lookup),
      remoteMarker: null,
    });
  }
  for (const question of definitions.questions) {
    const id = ids.card.get(question.key);
    if (id === undefined) continue;
    await recordApplied(db, {
      ...cardRecord(question, id, cardsById.get(id)?.entity_id, definitions.dashboards),
      appliedFingerprint: cardFingerprint(question, definitions, target, lookup),
      remoteMarker: null,
    });
  }
  const breaches: ContractBreach[] = [];
  const verified: string[] = [];
  for (const dashboard of definitions.dashboards) {
    const id = ids.dashboard.get(dashboard.key);
    if (id === undefined) continue;
    const detail = readBack.get(dashboard.key);
    const listed = listedNow.get(id);
    // Only a marker seen both in the list and in the detail just read is trusted to mean "as verified".
    const marker =
      detail && listed && detail.updated_at === listed.updated_at ? dashboardChangeMarker(listed) : null;
    await recordApplied(db, {
      model: "dashboard",
      key: dashboard.key,
      metabaseId: id,
      entityId: detail?.entity_id,
      contentVersion: dashboard.contentVersion,
      embeddingParams: dashboardEmbeddingParams(dashboard),
      appliedFingerprint: dashboardFingerprint(dashboard, definitions, lookup),
      remoteMarker: marker,
    });
    const problems = detail
      ? checkLockContract(dashboard, detail, cardsById)
      : ["Metabase ne sert plus ce tableau de bord après écriture"];
    if (problems.length > 0) {
      await clearVerified(db, dashboard.key);
      breaches.push({ dashboard: dashboard.key, metabaseId: id, problems });
    } else {
      await markVerified(db, dashboard.key, dashboard.contentVersion);
      verified.push(dashboard.key);
    }
  }
  return { written: writes.length, verified, breaches };
}

function cardRecord(
  question: DefinedQuestion,
  id: number,
  entityId: string | null | undefined,
  dashboards: readonly DefinedDashboard[],
) {
  return {
    model: "card" as const,
    key: question.key,
    metabaseId: id,
    entityId,
    contentVersion: question.contentVersion,
    embeddingParams: cardEmbeddingParams(question, dashboards),
  };
}

function currentDashcards(detail: Dashboard, cardIds: ReadonlyMap<string, number>): CurrentDashcard[] {
  const keyOf = new Map([...cardIds].map(([key, id]) => [id, key]));
  return detail.dashcards.map((dc) => ({
    id: dc.id,
    question: dc.card_id == null ? "(texte)" : (keyOf.get(dc.card_id) ?? `#${dc.card_id}`),
    row: dc.row,
    col: dc.col,
  }));
}

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`inconsistent plan: nothing known for ${key}`);
  return value;
}

function stopped(entry: PlanEntry, error: unknown): Error {
  const what = `${NOUN[entry.model]} ${entry.key} (${entry.action})`;
  const then =
    "Ce qui a déjà été écrit est retrouvé au prochain passage (table de correspondance, puis marque pilotage: des descriptions) : corrigez la cause, puis relancez `pilotage apply`, qui reprendra là où il s'est arrêté.";
  if (error instanceof MetabaseError) {
    return new MetabaseError(error.category, `Arrêt sur ${what} : ${error.publicMessage}\n${then}`, {
      detail: error.detail,
      httpStatus: error.httpStatus,
      cause: error,
      problems: error.problems,
    });
  }
  return new MetabaseError(
    "http",
    `Arrêt sur ${what} : ${error instanceof Error ? error.message : String(error)}\n${then}`,
    {
      cause: error,
    },
  );
}
