import assert from "node:assert/strict";
import type { SyncDefinitions } from "../../src/metabase/definitions.js";
import { cardEmbeddingParams, dashboardEmbeddingParams } from "../../src/metabase/definitions.js";
import type { StoredObject } from "../../src/metabase/object-map.js";
import { computePlan, type Plan } from "../../src/metabase/plan.js";
import {
  cardFingerprint,
  collectionFingerprint,
  collectionVersion,
  dashboardChangeMarker,
  dashboardFingerprint,
} from "../../src/metabase/fingerprints.js";
import { renderPlan } from "../../src/metabase/plan-text.js";
import { Card } from "../../src/metabase/schemas.js";
import { appliedState, sampleTarget, type AppliedState } from "./applied-state.js";
import { sampleDefinitions } from "./fixtures.js";

/** The mapping table as a successful apply of `state` leaves it. */
function storedAfterApply(definitions: SyncDefinitions, state: AppliedState): StoredObject[] {
  const target = sampleTarget();
  const lookup = {
    collection: (k: string) => state.ids.collection.get(k),
    card: (k: string) => state.ids.card.get(k),
  };
  const row = (
    partial: Partial<StoredObject> & Pick<StoredObject, "model" | "key" | "metabaseId">,
  ): StoredObject => ({
    entityId: null,
    contentVersion: "",
    embeddingParams: {},
    verifiedAt: null,
    verifiedVersion: null,
    appliedAt: new Date(),
    appliedFingerprint: null,
    remoteMarker: null,
    ...partial,
  });
  return [
    ...definitions.collections.map((c) =>
      row({
        model: "collection",
        key: c.key,
        metabaseId: state.ids.collection.get(c.key)!,
        contentVersion: collectionVersion(c),
        appliedFingerprint: collectionFingerprint(c, lookup),
      }),
    ),
    ...definitions.questions.map((q) =>
      row({
        model: "card",
        key: q.key,
        metabaseId: state.ids.card.get(q.key)!,
        contentVersion: q.contentVersion,
        embeddingParams: cardEmbeddingParams(q, definitions.dashboards),
        appliedFingerprint: cardFingerprint(q, definitions, target, lookup),
      }),
    ),
    ...definitions.dashboards.map((d) => {
      const id = state.ids.dashboard.get(d.key)!;
      return row({
        model: "dashboard",
        key: d.key,
        metabaseId: id,
        contentVersion: d.contentVersion,
        embeddingParams: dashboardEmbeddingParams(d),
        verifiedAt: new Date(),
        verifiedVersion: d.contentVersion,
        appliedFingerprint: dashboardFingerprint(d, definitions, lookup),
        remoteMarker: dashboardChangeMarker(state.lists.dashboards.find((x) => x.id === id)!),
      });
    }),
  ];
}

async function plan(
  definitions: SyncDefinitions,
  state: AppliedState | undefined,
  stored: StoredObject[] = [],
): Promise<{ plan: Plan; reads: number[] }> {
  const reads: number[] = [];
  const lists = state?.lists ?? { collections: [], cards: [], dashboards: [] };
  const { plan } = await computePlan(definitions, sampleTarget(), lists, stored, async (id) => {
    reads.push(id);
    return state?.details.get(id);
  });
  return { plan, reads };
}

const actions = (p: Plan) => p.entries.map((e) => `${e.action} ${e.model} ${e.key}`);

describe("plan", () => {
  it("creates everything on an empty instance, parents first", async () => {
    const { plan: p } = await plan(sampleDefinitions(), undefined);
    assert.deepEqual(actions(p), [
      "create collection pilotage",
      "create collection iae",
      "create card iae/candidatures",
      "create card iae/structures",
      "create dashboard territoire",
    ]);
    assert.equal(p.hasChanges, true);
  });

  it("changes nothing and reads no dashboard after an apply, in both read-back shapes", async () => {
    for (const mbql5 of [false, true]) {
      const definitions = sampleDefinitions();
      const state = appliedState(definitions, { mbql5 });
      const { plan: p, reads } = await plan(definitions, state, storedAfterApply(definitions, state));
      assert.deepEqual(
        p.entries
          .filter((e) => e.action !== "noop")
          .map((e) => ({ key: e.key, changes: e.changes, notes: e.notes })),
        [],
        `mbql5=${mbql5}`,
      );
      assert.equal(p.hasChanges, false);
      assert.deepEqual(reads, []);
      assert.deepEqual(p.breaches, []);
      assert.match(
        renderPlan(p),
        /Aucun changement : Metabase est conforme aux fichiers \(5 objets gérés\)\./,
      );
    }
  });

  it("re-binds from the ownership markers when the mapping table is lost", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const { plan: p, reads } = await plan(definitions, state, []);
    assert.deepEqual(actions(p), [
      "record collection pilotage",
      "record collection iae",
      "record card iae/candidatures",
      "record card iae/structures",
      "record dashboard territoire",
    ]);
    assert.deepEqual(
      p.entries.map((e) => e.metabaseId),
      [100, 101, 1, 2, 10],
    );
    assert.ok(p.entries.every((e) => e.changes.length === 0));
    assert.deepEqual(reads, [10]);
  });

  it("shows a SQL edit made in Metabase as drift, with a line diff", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    const card = state.lists.cards[0]!;
    (card.dataset_query as { native: { query: string } }).native.query =
      definitions.questions[0]!.sql.replace("count(*) AS n", "count(DISTINCT id) AS n");
    const { plan: p, reads } = await plan(definitions, state, stored);
    const entry = p.entries.find((e) => e.key === "iae/candidatures")!;
    assert.equal(entry.action, "update");
    assert.equal(entry.origin, "metabase");
    assert.deepEqual(
      entry.changes.map((c) => c.field),
      ["sql"],
    );
    // The dashboard showing the edited card is read again, to check its locks on the new SQL.
    assert.deepEqual(reads, [10]);
    const text = renderPlan(p);
    assert.match(
      text,
      /~ modifier question iae\/candidatures \(#1\) « Candidatures par mois » \[dérive : modifié dans Metabase/,
    );
    assert.match(text, /- SELECT mois, count\(DISTINCT id\) AS n\n\s+\+ SELECT mois, count\(\*\) AS n/);
  });

  it("detects a lock switched to editable in Metabase, from the list alone", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    state.lists.dashboards[0]!.embedding_params = { departement: "enabled", periode: "enabled" };
    const { plan: p } = await plan(definitions, state, stored);
    const entry = p.entries.find((e) => e.key === "territoire")!;
    assert.equal(entry.action, "update");
    assert.deepEqual(entry.changes, [
      {
        field: "embeddingParams",
        before: { departement: "enabled", periode: "enabled" },
        after: { departement: "locked", periode: "enabled" },
        details: ["VERROU departement : modifiable → verrouillé"],
      },
    ]);
    assert.deepEqual(p.breaches, [
      {
        dashboard: "territoire",
        metabaseId: 10,
        problems: ["filtre departement : modifiable → verrouillé attendu"],
      },
    ]);
  });

  it("reads a dashboard whose change marker moved and shows its layout changes", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    state.lists.dashboards[0]!.updated_at = "2026-02-02T00:00:00Z";
    const detail = state.details.get(10)!;
    detail.dashcards[1]!.row = 6;
    detail.dashcards[1]!.col = 0;
    const { plan: p, reads } = await plan(definitions, state, stored);
    assert.deepEqual(reads, [10]);
    const entry = p.entries.find((e) => e.key === "territoire")!;
    assert.equal(entry.origin, "metabase");
    assert.deepEqual(
      entry.changes.map((c) => c.details),
      [["~ carte iae/structures : déplacée de (6, 0) à (0, 12)"]],
    );
  });

  it("reports a breach it finds only by reading the dashboard in full: a card unwired in the UI", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    // A dashcard saved in the UI without its locked filter: the list still says "locked", the detail not.
    state.lists.dashboards[0]!.updated_at = "2026-02-02T00:00:00Z";
    state.details.get(10)!.dashcards[1]!.parameter_mappings = [];
    const { plan: p, reads } = await plan(definitions, state, stored);
    assert.deepEqual(reads, [10]);
    assert.deepEqual(p.breaches, [
      {
        dashboard: "territoire",
        metabaseId: 10,
        problems: ["la carte « Structures » (#2) n'est pas reliée au filtre verrouillé « departement »"],
      },
    ]);
    assert.match(
      renderPlan(p),
      /Contrats de verrouillage rompus dans Metabase \(la passerelle ne signe plus de jeton pour ces tableaux\) :\n  territoire \(#10\) :\n    - la carte « Structures » \(#2\) n'est pas reliée au filtre verrouillé « departement »/,
    );
  });

  it("restores an archived dashboard with its id, and archives what is no longer defined", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    state.lists.dashboards[0]!.archived = true;
    const { plan: p } = await plan(definitions, state, stored);
    const entry = p.entries.find((e) => e.key === "territoire")!;
    assert.equal(entry.action, "restore");
    assert.equal(entry.metabaseId, 10);

    const without: SyncDefinitions = {
      ...definitions,
      dashboards: [],
      questions: definitions.questions.slice(0, 1),
    };
    const { plan: q } = await plan(without, appliedState(definitions), stored);
    assert.deepEqual(
      q.entries.filter((e) => e.action === "archive").map((e) => `${e.model} ${e.key} #${e.metabaseId}`),
      ["dashboard territoire #10", "card iae/structures #2"],
    );
    assert.ok(q.entries.find((e) => e.key === "territoire")!.warnings[0]!.includes("ne sera plus servi"));
  });

  it("never binds or touches an object without a marker, whatever its name; warns about strays inside", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    const twin = (id: number, collectionId: number) =>
      Card.parse({ ...state.lists.cards[0]!, id, collection_id: collectionId, description: "Fait main." });
    state.lists.cards.push(twin(50, 999), twin(51, state.ids.collection.get("iae")!));
    const { plan: p } = await plan(definitions, state, stored);
    assert.equal(p.hasChanges, false);
    assert.ok(p.entries.every((e) => e.metabaseId !== 50 && e.metabaseId !== 51));
    assert.deepEqual(p.warnings, [
      "Objets créés à la main dans les collections gérées, laissés tels quels : question #51 « Candidatures par mois ».",
    ]);
  });

  it("refuses to guess when an owned object was moved out of the managed collections", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    state.lists.cards[1]!.collection_id = 999;
    const { plan: p } = await plan(definitions, state, stored);
    assert.deepEqual(p.conflicts, [
      "Question iae/structures (#2) se trouve hors des collections gérées : remettez cet objet dans sa collection depuis Metabase (la synchronisation ne touche à rien en dehors), puis relancez.",
    ]);
    assert.equal(p.hasChanges, true);
  });

  it("refuses to guess when an owned dashboard was moved out of the managed collections", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    state.lists.dashboards[0]!.collection_id = 999;
    const { plan: p } = await plan(definitions, state, stored);
    assert.deepEqual(p.conflicts, [
      "Tableau de bord territoire (#10) se trouve hors des collections gérées : remettez cet objet dans sa collection depuis Metabase (la synchronisation ne touche à rien en dehors), puis relancez.",
    ]);
    assert.equal(p.hasChanges, true);
    // Moved out and no longer defined: left where it is, never archived from outside.
    const { plan: q } = await plan({ ...definitions, dashboards: [] }, state, stored);
    assert.deepEqual(
      q.entries.filter((e) => e.model === "dashboard"),
      [],
    );
  });

  it("asks for a verification when the dashboard's content version changed but Metabase did not", async () => {
    const definitions = sampleDefinitions();
    const state = appliedState(definitions);
    const stored = storedAfterApply(definitions, state);
    definitions.dashboards[0]!.contentVersion = "d1-v2";
    const { plan: p } = await plan(definitions, state, stored);
    const entry = p.entries.find((e) => e.key === "territoire")!;
    assert.equal(entry.action, "record");
    assert.deepEqual(entry.notes, [
      "version du contenu à enregistrer",
      "contrat de verrouillage à vérifier pour cette version (la passerelle attend cette vérification)",
    ]);
  });
});
