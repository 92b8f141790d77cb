import { agree, countOf } from "../french-plural.js";
import { createHash } from "node:crypto";
import { bindObjects, type Binding, type BindableObject, type StoredBinding } from "./binding.js";
import {
  collectionsInOrder,
  type DefinedCollection,
  type DefinedDashboard,
  type DefinedQuestion,
  type SyncDefinitions,
} from "./definitions.js";
import { diffCard, diffCollection, diffDashboard, embeddingDetails, type FieldChange } from "./diff.js";
import {
  desiredCardForm,
  desiredCollectionForm,
  desiredDashboardForm,
  remoteCardForm,
  remoteCollectionForm,
  remoteDashboardForm,
  METABASE_ROOT,
  type CardForm,
  type KeyResolver,
} from "./forms.js";
import { checkLockContract } from "./lock-contract.js";
import { readMarker } from "./marker.js";
import { canonicalJson } from "./normalize.js";
import type { ObjectModel, StoredObject } from "./object-map.js";
import { cardEmbeddingPayload, cardPayload, collectionPayload, dashboardUpdatePayload } from "./payloads.js";
import type { Card, Collection, Dashboard, DashboardSummary } from "./schemas.js";
import type { MetabaseVersion, SyncFeatures } from "./version.js";

/**
 * The plan: for every managed object, what `apply` would do and why, computed from the definitions, the
 * lists Metabase answered and the mapping table. Pure except for `readDashboard`, which reads in full only
 * the dashboards that may have changed since the last apply (remote-state.ts explains the marker).
 */

/** What the preflight learned about the instance. */
export interface SyncTarget {
  siteUrl: string;
  version: MetabaseVersion;
  features: SyncFeatures;
  warehouseDatabaseId: number;
  fieldIdByColumn: ReadonlyMap<string, number>;
  columnByFieldId: ReadonlyMap<number, string>;
}

/** Metabase's lists, live and archived objects together, one entry per id. */
export interface RemoteLists {
  collections: Collection[];
  cards: Card[];
  dashboards: DashboardSummary[];
}

export type PlanAction = "create" | "update" | "restore" | "archive" | "record" | "noop";

export interface PlanEntry {
  model: ObjectModel;
  key: string;
  /** Name or title, for people. */
  label: string;
  action: PlanAction;
  metabaseId: number | undefined;
  /** Why an update: the files changed, or Metabase was edited since the last apply (drift). */
  origin: "fichiers" | "metabase" | undefined;
  changes: FieldChange[];
  /** What would break for live embeds. */
  warnings: string[];
  /** Bookkeeping `apply` would do in the mapping table. */
  notes: string[];
}

export interface ContractBreach {
  dashboard: string;
  metabaseId: number;
  problems: string[];
}

export interface Plan {
  siteUrl: string;
  metabaseVersion: string;
  entries: PlanEntry[];
  conflicts: string[];
  warnings: string[];
  /** Lock contracts found broken in Metabase as it is now. */
  breaches: ContractBreach[];
  hasChanges: boolean;
}

/** Everything `apply` needs beyond the plan itself. */
export interface PlanContext {
  definitions: SyncDefinitions;
  target: SyncTarget;
  lists: RemoteLists;
  stored: StoredObject[];
  bound: {
    collection: Map<string, Binding<Bindable<NumericCollection>>>;
    card: Map<string, Binding<Bindable<Card>>>;
    dashboard: Map<string, Binding<Bindable<DashboardSummary>>>;
  };
  details: Map<number, Dashboard>;
  resolver: KeyResolver;
}

type Bindable<S> = BindableObject & { source: S };
type NumericCollection = Collection & { id: number };

const NOUN: Record<ObjectModel, string> = {
  collection: "Collection",
  card: "Question",
  dashboard: "Tableau de bord",
};

export function fingerprint(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 32);
}

/** `updated_at` and the last revision's time: they move on every save, dashcards included. */
export function dashboardChangeMarker(dashboard: DashboardSummary): string | null {
  const updated = dashboard.updated_at ?? "";
  const edited = dashboard["last-edit-info"]?.timestamp ?? "";
  return updated || edited ? `${updated}|${edited}` : null;
}

export function numericCollections(collections: readonly Collection[]): NumericCollection[] {
  return collections.filter((c): c is NumericCollection => typeof c.id === "number");
}

export async function computePlan(
  definitions: SyncDefinitions,
  target: SyncTarget,
  lists: RemoteLists,
  stored: StoredObject[],
  readDashboard: (id: number) => Promise<Dashboard | undefined>,
): Promise<{ plan: Plan; context: PlanContext }> {
  const conflicts: string[] = [];
  const warnings: string[] = [];
  const storedFor = (model: ObjectModel) =>
    stored
      .filter((s) => s.model === model)
      .map((s): StoredBinding => ({ key: s.key, metabaseId: s.metabaseId, entityId: s.entityId }));
  const storedRow = (model: ObjectModel, key: string) =>
    stored.find((s) => s.model === model && s.key === key);

  // --- Collections: the top-level ones first (the roots of the managed tree), then those under them.
  const collections = numericCollections(lists.collections).filter((c) => c.personal_owner_id == null);
  const topKeys = new Set(definitions.collections.filter((c) => c.parent === undefined).map((c) => c.key));
  const storedTop = storedFor("collection").filter((s) => topKeys.has(s.key));
  const topIds = new Set(storedTop.map((s) => s.metabaseId));
  const topResult = bindObjects(
    NOUN.collection,
    [...topKeys],
    storedTop,
    collections
      .filter((c) => topKeys.has(readMarker(c.description).key ?? "") || topIds.has(c.id))
      .map((c) => ({ ...bindable(c), inside: true })),
  );
  const roots = [...topResult.bound.values()].map((b) => b.object.id);
  const subtree = new Set<number>([
    ...roots,
    ...collections
      .filter((c) => roots.some((root) => (c.location ?? "").includes(`/${root}/`)))
      .map((c) => c.id),
  ]);
  const nestedResult = bindObjects(
    NOUN.collection,
    definitions.collections.filter((c) => c.parent !== undefined).map((c) => c.key),
    storedFor("collection").filter((s) => !topKeys.has(s.key)),
    collections
      .filter((c) => !roots.includes(c.id))
      .map((c) => ({ ...bindable(c), inside: subtree.has(c.id) })),
  );
  const collectionResult = {
    bound: new Map([...topResult.bound, ...nestedResult.bound]),
    orphans: nestedResult.orphans,
    conflicts: [...topResult.conflicts, ...nestedResult.conflicts],
    warnings: [...topResult.warnings, ...nestedResult.warnings],
  };
  conflicts.push(...collectionResult.conflicts);
  warnings.push(...collectionResult.warnings);
  const boundCollections = collectionResult.bound;

  // --- Cards and dashboards: inside = in a managed collection.
  const cardResult = bindObjects(
    NOUN.card,
    definitions.questions.map((q) => q.key),
    storedFor("card"),
    lists.cards.map((c) => ({
      ...bindable(c),
      inside: c.collection_id != null && subtree.has(c.collection_id),
    })),
  );
  const dashboardResult = bindObjects(
    NOUN.dashboard,
    definitions.dashboards.map((d) => d.key),
    storedFor("dashboard"),
    lists.dashboards.map((d) => ({
      ...bindable(d),
      inside: d.collection_id != null && subtree.has(d.collection_id),
    })),
  );
  for (const result of [cardResult, dashboardResult]) {
    conflicts.push(...result.conflicts);
    warnings.push(...result.warnings);
  }

  const keyOfCollection = new Map([...boundCollections].map(([key, b]) => [b.object.id, key]));
  const keyOfCard = new Map([...cardResult.bound].map(([key, b]) => [b.object.id, key]));
  const resolver: KeyResolver = {
    collectionKey: (id) => (id == null ? METABASE_ROOT : (keyOfCollection.get(id) ?? `#${id}`)),
    questionKey: (id) => keyOfCard.get(id) ?? `#${id}`,
    column: (fieldId) => target.columnByFieldId.get(fieldId),
  };
  const ids = {
    collection: (key: string) => boundCollections.get(key)?.object.id,
    card: (key: string) => cardResult.bound.get(key)?.object.id,
  };
  const entries: PlanEntry[] = [];

  // Unmanaged objects inside the managed collections are left alone, but people should know.
  const managedIds = {
    collection: new Set([...boundCollections.values()].map((b) => b.object.id)),
    card: new Set([...cardResult.bound.values()].map((b) => b.object.id)),
    dashboard: new Set([...dashboardResult.bound.values()].map((b) => b.object.id)),
  };
  const strays = [
    ...collections
      .filter((c) => subtree.has(c.id) && !managedIds.collection.has(c.id) && !c.archived)
      .map((c) => `collection #${c.id} « ${c.name} »`),
    ...lists.cards
      .filter(
        (c) =>
          c.collection_id != null &&
          subtree.has(c.collection_id) &&
          !managedIds.card.has(c.id) &&
          !c.archived,
      )
      .map((c) => `question #${c.id} « ${c.name} »`),
    ...lists.dashboards
      .filter(
        (d) =>
          d.collection_id != null &&
          subtree.has(d.collection_id) &&
          !managedIds.dashboard.has(d.id) &&
          !d.archived,
      )
      .map((d) => `tableau de bord #${d.id} « ${d.name} »`),
  ];
  if (strays.length > 0) {
    warnings.push(
      `Objets créés à la main dans les collections gérées, laissés tels quels : ${strays.join(", ")}.`,
    );
  }

  // --- Collections
  for (const def of collectionsInOrder(definitions.collections)) {
    const binding = boundCollections.get(def.key);
    const entry = newEntry("collection", def.key, def.name);
    if (!binding) {
      entry.action = "create";
    } else {
      const source = binding.object.source;
      const remote = remoteCollectionForm(source, resolver);
      entry.metabaseId = source.id;
      entry.changes = diffCollection(desiredCollectionForm(def), remote).filter(
        (c) => c.field !== "archived",
      );
      entry.action = source.archived ? "restore" : entry.changes.length > 0 ? "update" : "noop";
      const row = storedRow("collection", def.key);
      const print = collectionFingerprint(def, ids);
      entry.origin = originOf(entry, row, source.id, print);
      bookkeeping(entry, row, source.id, collectionVersion(def));
    }
    entries.push(entry);
  }
  for (const orphan of collectionResult.orphans) {
    if (!orphan.object.archived) {
      warnings.push(
        `La collection ${orphan.key} (#${orphan.object.id}) n'est plus définie : elle est laissée en place (une collection n'est jamais archivée, elle peut contenir des objets faits à la main).`,
      );
    }
  }

  // --- Cards
  const remoteCards = new Map<string, CardForm>();
  const changedCards = new Set<string>();
  for (const question of definitions.questions) {
    const binding = cardResult.bound.get(question.key);
    const desired = desiredCardForm(question, definitions, target.warehouseDatabaseId);
    const entry = newEntry("card", question.key, question.name);
    const row = storedRow("card", question.key);
    if (!binding) {
      entry.action = "create";
      if (row) entry.warnings.push(lostIdWarning("question", row.metabaseId));
    } else {
      const source = binding.object.source;
      const remote = remoteCardForm(source, resolver);
      remoteCards.set(question.key, remote);
      entry.metabaseId = source.id;
      entry.changes = diffCard(desired, remote).filter((c) => c.field !== "archived");
      entry.action = source.archived ? "restore" : entry.changes.length > 0 ? "update" : "noop";
      if (entry.action !== "noop") changedCards.add(question.key);
      entry.origin = originOf(entry, row, source.id, cardFingerprint(question, definitions, target, ids));
      bookkeeping(entry, row, source.id, question.contentVersion);
    }
    entries.push(entry);
  }

  // --- Dashboards
  const details = new Map<number, Dashboard>();
  const breaches: ContractBreach[] = [];
  const cardsById = new Map(lists.cards.map((c) => [c.id, c]));
  for (const dashboard of definitions.dashboards) {
    const binding = dashboardResult.bound.get(dashboard.key);
    const entry = newEntry("dashboard", dashboard.key, dashboard.title);
    const row = storedRow("dashboard", dashboard.key);
    if (!binding) {
      entry.action = "create";
      if (row) entry.warnings.push(lostIdWarning("tableau de bord", row.metabaseId));
      entries.push(entry);
      continue;
    }
    const summary = binding.object.source;
    const print = dashboardFingerprint(dashboard, definitions, ids);
    const unchangedSinceApply =
      row !== undefined &&
      row.metabaseId === summary.id &&
      row.appliedFingerprint === print &&
      row.remoteMarker !== null &&
      row.remoteMarker === dashboardChangeMarker(summary) &&
      !summary.archived &&
      !dashboard.cards.some((c) => changedCards.has(c.question));
    const detail = unchangedSinceApply ? undefined : await readDashboard(summary.id);
    if (detail) details.set(summary.id, detail);
    const remote = remoteDashboardForm(summary, resolver, detail);
    entry.metabaseId = summary.id;
    entry.changes = diffDashboard(desiredDashboardForm(dashboard), remote).filter(
      (c) => c.field !== "archived",
    );
    entry.action = summary.archived ? "restore" : entry.changes.length > 0 ? "update" : "noop";
    entry.origin = originOf(entry, row, summary.id, print);
    bookkeeping(entry, row, summary.id, dashboard.contentVersion);
    if (row && row.metabaseId === summary.id && row.verifiedVersion !== dashboard.contentVersion) {
      entry.notes.push(
        "contrat de verrouillage à vérifier pour cette version (la passerelle attend cette vérification)",
      );
      if (entry.action === "noop") entry.action = "record";
    }
    const dashcardChange = entry.changes.find((c) => c.field === "dashcards");
    if (dashcardChange?.details?.some((line) => line.startsWith("- carte"))) {
      entry.warnings.push(
        "des cartes sont retirées du tableau de bord : leurs identifiants de carte disparaissent, les intégrations ouvertes devront être rechargées",
      );
    }
    if (summary.archived) {
      entry.warnings.push(
        `archivé dans Metabase : il sera restauré avec le même id (#${summary.id}), les intégrations repartent`,
      );
    }
    const problems = detail
      ? checkLockContract(dashboard, detail, cardsById)
      : summaryContractProblems(dashboard, summary);
    if (problems.length > 0 && !summary.archived) {
      breaches.push({ dashboard: dashboard.key, metabaseId: summary.id, problems });
    }
    entries.push(entry);
  }

  // --- Objects no longer defined: archived, never deleted, and only inside the managed collections.
  const orphans = [
    ...dashboardResult.orphans.map((o) => ({ model: "dashboard" as const, orphan: o })),
    ...cardResult.orphans.map((o) => ({ model: "card" as const, orphan: o })),
  ];
  for (const { model, orphan } of orphans) {
    if (orphan.object.archived) continue;
    const entry = newEntry(model, orphan.key, orphan.object.source.name);
    entry.action = "archive";
    entry.metabaseId = orphan.object.id;
    entry.warnings.push(
      `l'id #${orphan.object.id} ne sera plus servi par Metabase (404) : toute intégration qui l'utilise cessera de fonctionner`,
    );
    entries.push(entry);
  }
  for (const model of ["card", "dashboard"] as const) {
    const created = entries.filter((e) => e.model === model && e.action === "create");
    const archived = entries.filter((e) => e.model === model && e.action === "archive");
    if (created.length > 0 && archived.length > 0) {
      const card = model === "card";
      const archivedText = card
        ? countOf(archived.length, "question archivée", "questions archivées")
        : countOf(archived.length, "tableau de bord archivé", "tableaux de bord archivés");
      const createdText = `${created.length} ${card ? agree(created.length, "créée", "créées") : agree(created.length, "créé", "créés")}`;
      warnings.push(
        `${archivedText} et ${createdText} : s'il s'agit d'un renommage de fichier, gardez l'ancienne clé avec \`key:\` pour conserver l'id (${archived.map((e) => e.key).join(", ")}).`,
      );
    }
  }

  const hasChanges = conflicts.length > 0 || entries.some((e) => e.action !== "noop");
  return {
    plan: {
      siteUrl: target.siteUrl,
      metabaseVersion: target.version.tag,
      entries,
      conflicts,
      warnings,
      breaches,
      hasChanges,
    },
    context: {
      definitions,
      target,
      lists,
      stored,
      bound: { collection: boundCollections, card: cardResult.bound, dashboard: dashboardResult.bound },
      details,
      resolver,
    },
  };
}

function bindable<
  S extends {
    id: number;
    archived: boolean;
    description?: string | null | undefined;
    entity_id?: string | null | undefined;
  },
>(source: S): Bindable<S> {
  return {
    id: source.id,
    marker: readMarker(source.description).key,
    archived: source.archived,
    entityId: source.entity_id,
    inside: false,
    source,
  };
}

function newEntry(model: ObjectModel, key: string, label: string): PlanEntry {
  return {
    model,
    key,
    label,
    action: "noop",
    metabaseId: undefined,
    origin: undefined,
    changes: [],
    warnings: [],
    notes: [],
  };
}

function originOf(
  entry: PlanEntry,
  row: StoredObject | undefined,
  id: number,
  print: string,
): PlanEntry["origin"] {
  if (entry.changes.length === 0) return undefined;
  return row && row.metabaseId === id && row.appliedFingerprint === print ? "metabase" : "fichiers";
}

function bookkeeping(
  entry: PlanEntry,
  row: StoredObject | undefined,
  id: number,
  contentVersion: string,
): void {
  if (!row) entry.notes.push(`correspondance à enregistrer (clé → #${id})`);
  else if (row.metabaseId !== id) entry.notes.push(`correspondance à corriger (#${row.metabaseId} → #${id})`);
  else if (row.contentVersion !== contentVersion) entry.notes.push("version du contenu à enregistrer");
  if (entry.action === "noop" && entry.notes.length > 0) entry.action = "record";
}

function lostIdWarning(noun: string, oldId: number): string {
  return `l'ancien ${noun} #${oldId} n'existe plus dans Metabase : un nouvel id sera attribué, les intégrations qui utilisaient #${oldId} cesseront de fonctionner`;
}

function summaryContractProblems(dashboard: DefinedDashboard, summary: DashboardSummary): string[] {
  const expected = desiredDashboardForm(dashboard).embeddingParams;
  const problems: string[] = [];
  if (!summary.enable_embedding)
    problems.push("l'intégration (embedding) n'est pas activée sur le tableau de bord");
  const lockLines = embeddingDetails(summary.embedding_params, expected).filter((line) =>
    line.startsWith("VERROU"),
  );
  problems.push(...lockLines.map((line) => `filtre ${line.slice("VERROU ".length)} attendu`));
  return problems;
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
