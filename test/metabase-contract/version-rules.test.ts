import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  cardToken,
  createCard,
  dashboardToken,
  embeddableCard,
  embeddableDashboard,
  query,
  STRUCTURES_VALUES,
  textTag,
} from "./fixtures.js";
import { atLeast, describeContract, fixtureOf } from "./target.js";

/**
 * The rules that changed between the pinned versions (../shared/reference/metabase-fidelity-audit.md), each
 * test naming the Metabase source it follows: the Trash (v51+), the run-time parameter-type check, the
 * template-tag and parameter-target shapes a query must have, `?parameters=` that is not a map (v57).
 */
describeContract("Metabase contract: rules that differ by version", (target) => {
  async function collectionIn(parentId: number, name: string): Promise<number> {
    return (await target().admin.ok("POST", "/api/collection", { name, parent_id: parentId })).id;
  }
  async function cardIn(collectionId: number): Promise<number> {
    const card = await createCard(target(), { sql: "SELECT 1 AS one" });
    await target().admin.ok("PUT", `/api/card/${card.id}`, { collection_id: collectionId });
    return card.id;
  }

  it("§2.5 §5 lists the Trash with the archived collections from v51 (PR #42339; taken out of v50, issue #43159)", async () => {
    const archived = await target().admin.ok("GET", "/api/collection?archived=true");
    const trash = archived.filter((c: { type?: string }) => c.type === "trash");
    if (!atLeast(target(), 51)) {
      assert.deepEqual(trash, []);
      return;
    }
    assert.equal(trash.length, 1);
    assert.equal(trash[0].name, "Trash");
    const live = await target().admin.ok("GET", "/api/collection");
    assert.equal(
      live.some((c: { id: unknown }) => c.id === trash[0].id),
      false,
    );
  });

  it("§2.6 §5 reports the Trash as the collection of a card archived on its own from v51, its own collection before", async () => {
    const t = target();
    const collectionId = await collectionIn(t.collectionId, "Archivage direct");
    const cardId = await cardIn(collectionId);
    const answer = await t.admin.ok("PUT", `/api/card/${cardId}`, { archived: true });
    const read = await t.admin.ok("GET", `/api/card/${cardId}`);
    for (const card of [answer, read]) {
      assert.equal(card.archived, true);
      if (atLeast(t, 51)) {
        const trashId = (await t.admin.ok("GET", "/api/collection?archived=true")).find(
          (c: { type?: string }) => c.type === "trash",
        ).id;
        assert.equal(card.collection_id, trashId);
        assert.equal(card.can_restore, true);
      } else {
        assert.equal(card.collection_id, collectionId);
        assert.equal("can_restore" in card, false);
      }
    }
    const listed = (await t.admin.ok("GET", "/api/card?f=archived")).find(
      (c: { id: number }) => c.id === cardId,
    );
    assert.equal(listed.archived, true);
  });

  it("§2.5 §5 brings back with a collection only what went with it from v51, everything in it before", async () => {
    const t = target();
    const collectionId = await collectionIn(t.collectionId, "Archivage en bloc");
    const alone = await cardIn(collectionId);
    const along = await cardIn(collectionId);
    await t.admin.ok("PUT", `/api/card/${alone}`, { archived: true });
    await t.admin.ok("PUT", `/api/collection/${collectionId}`, { archived: true });
    assert.equal((await t.admin.ok("GET", `/api/card/${along}`)).archived, true);

    await t.admin.ok("PUT", `/api/collection/${collectionId}`, { archived: false });
    assert.equal((await t.admin.ok("GET", `/api/card/${along}`)).archived, false);
    assert.equal((await t.admin.ok("GET", `/api/card/${alone}`)).archived, atLeast(t, 51));
  });

  it("§2.6 §5 refuses to restore a card into a collection in the Trash from v51 unless it is moved (api-changelog 0.50.0)", async () => {
    const t = target();
    const collectionId = await collectionIn(t.collectionId, "Corbeille parente");
    const cardId = await cardIn(collectionId);
    await t.admin.ok("PUT", `/api/card/${cardId}`, { archived: true });
    await t.admin.ok("PUT", `/api/collection/${collectionId}`, { archived: true });
    if (atLeast(t, 51)) assert.equal((await t.admin.ok("GET", `/api/card/${cardId}`)).can_restore, false);

    const inPlace = await t.admin.put(`/api/card/${cardId}`, { archived: false });
    if (!atLeast(t, 51)) {
      // v0.50: restored in place, inside a collection that is still archived.
      assert.equal(inPlace.status, 200, inPlace.text);
      assert.equal(inPlace.json.archived, false);
      return;
    }
    // The wording of this refusal was not read in Metabase's source: the status and the effect are the contract.
    assert.equal(inPlace.status, 400, inPlace.text);
    assert.equal((await t.admin.ok("GET", `/api/card/${cardId}`)).archived, true);
    const moved = await t.admin.ok("PUT", `/api/card/${cardId}`, {
      archived: false,
      collection_id: t.collectionId,
    });
    assert.equal(moved.archived, false);
    assert.equal(moved.collection_id, t.collectionId);
  });

  it("§2.7 run-time check: a parameter type the tag does not allow fails the card's query (query_processor/card.clj check-allowed-parameter-value-type)", async () => {
    const t = target();
    const card = await createCard(t, {
      sql: `SELECT kind FROM ${STRUCTURES_VALUES} WHERE kind = {{kind}}`,
      tags: [textTag("kind", "Type")],
    });
    const refused = await t.admin.post(`/api/card/${card.id}/query`, {
      parameters: [{ type: "string/!=", target: ["variable", ["template-tag", "kind"]], value: ["EI"] }],
    });
    assert.equal(refused.json.status, "failed", refused.text.slice(0, 300));
    assert.equal(
      refused.json.error,
      'Invalid parameter type :string/!= for parameter "kind". Parameter type must be one of: :category, :text, :string/=',
    );
    assert.equal(refused.json.error_type, "invalid-parameter");
    const allowed = await t.admin.post(`/api/card/${card.id}/query`, {
      parameters: [{ type: "category", target: ["variable", ["template-tag", "kind"]], value: "EI" }],
    });
    assert.deepEqual(allowed.json.data.rows, [["EI"]]);
  });

  it("§3.2 a field filter without widget-type, or a tag without display-name, fails when the query runs (lib/schema/template_tag.cljc; issue #37806)", async function () {
    const t = target();
    const fixture = fixtureOf(this, t);
    const field = fixture.fields.departement!;
    const broken = [
      {
        id: randomUUID(),
        name: "dep",
        "display-name": "Département",
        type: "dimension",
        dimension: ["field", field, null],
      },
      { id: randomUUID(), name: "dep", "display-name": " ", type: "text" },
    ];
    for (const tag of broken) {
      const saved = await t.admin.post("/api/card", {
        name: `Gabarit ${randomUUID().slice(0, 8)}`,
        display: "table",
        visualization_settings: {},
        collection_id: t.collectionId,
        dataset_query: {
          database: t.databaseId,
          type: "native",
          native: { query: "SELECT * FROM contract_structures WHERE {{dep}}", "template-tags": { dep: tag } },
        },
      });
      if (t.mode === "live" && saved.status !== 200) continue; // a newer Metabase may refuse it when saving
      assert.equal(saved.status, 200, saved.text);
      const answer = await t.admin.post(`/api/card/${saved.json.id}/query`, { parameters: [] });
      assert.equal(answer.json.status, "failed", answer.text.slice(0, 300));
      assert.equal(answer.json.error_type, "invalid-query");
    }
  });

  it("§2.7 §5 a variable target with a third element fails the dashcard's query from v53 (lib/schema/parameter.cljc; issue #54368)", async () => {
    const t = target();
    const card = await embeddableCard(t, {
      sql: `SELECT kind FROM ${STRUCTURES_VALUES} WHERE kind = {{kind}}`,
      tags: [textTag("kind", "Type", { required: true })],
    });
    const dashboard = await embeddableDashboard(t, {
      parameters: [{ id: "p-kind", name: "Type", slug: "kind", type: "string/=", sectionId: "string" }],
      dashcards: [
        {
          cardId: card.id,
          mappings: { "p-kind": ["variable", ["template-tag", "kind"], { "stage-number": 0 }] },
        },
      ],
      embeddingParams: { kind: "locked" },
    });
    const dashcardId = dashboard.dashcards[0].id;
    const answer = await t.anonymous.get(
      `/api/embed/dashboard/${dashboardToken(t, dashboard.id, { kind: "EI" })}/dashcard/${dashcardId}/card/${card.id}`,
    );
    assert.equal(answer.status, 202, answer.text.slice(0, 300));
    if (atLeast(t, 53)) {
      assert.deepEqual(answer.json, {
        status: "failed",
        error: "An error occurred while running the query.",
        error_type: "invalid-query",
      });
    } else {
      assert.deepEqual(answer.json.data.rows, [["EI"]]);
    }
  });

  it("§1.5 §5 `?parameters=` that is not a JSON object: a 400 `Invalid parameter values` from v57, ignored in v51–56 (embedding_rest/api/common.clj parse-query-params)", async function () {
    const t = target();
    if (!atLeast(t, 51)) this.skip();
    const card = await embeddableCard(t, {
      sql: `SELECT kind FROM ${STRUCTURES_VALUES} WHERE true [[AND kind = {{kind}}]] ORDER BY kind`,
      tags: [textTag("kind", "Type")],
      embeddingParams: { kind: "enabled" },
    });
    const answer = await t.anonymous.get(
      `/api/embed/card/${cardToken(t, card.id)}/query${query({ parameters: "[1, 2]", kind: "EI" })}`,
    );
    if (atLeast(t, 57)) {
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.text, "Invalid parameter values");
    } else {
      assert.notEqual(answer.text, "Invalid parameter values");
    }
  });
});
