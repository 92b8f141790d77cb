import assert from "node:assert/strict";
import { createCard, fieldFilterTag, nativeQuery, textTag } from "./fixtures.js";
import { describeContract, fixtureOf } from "./target.js";

/** metabase-contract.md §2.6 (cards) and §5 (MBQL 5 read-back from v57). */
describeContract("Metabase contract: cards", (target) => {
  it("§2.6 creates a native card; enable_embedding and embedding_params are not create parameters", async () => {
    const t = target();
    const answer = await t.admin.post("/api/card", {
      name: "Candidatures",
      display: "table",
      visualization_settings: {},
      collection_id: t.collectionId,
      dataset_query: nativeQuery(t, "SELECT 1 AS one"),
      enable_embedding: true,
      embedding_params: { dep: "locked" },
    });
    if (t.mode === "live" && answer.status === 400) {
      // The newest Metabase closes the create schema and refuses the keys outright; either way the card
      // is not embeddable until a PUT.
      assert.ok(answer.json.errors.enable_embedding || answer.json.errors.embedding_params, answer.text);
      return;
    }
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.enable_embedding, false);
    assert.equal(answer.json.embedding_params, null);
    assert.match(answer.json.entity_id, /^[A-Za-z0-9_-]{21}$/);
    assert.equal(answer.json.collection_id, t.collectionId);
  });

  it("§2.2 §2.6 refuses a card without a name or display: 400 with a JSON errors map", async () => {
    const t = target();
    const answer = await t.admin.post("/api/card", {
      name: "",
      display: "table",
      visualization_settings: {},
      dataset_query: nativeQuery(t, "SELECT 1"),
    });
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.json.errors.name, "string");
  });

  it("§2.6 §5 reads a card back in MBQL 5 from v57 (stages[0].native), legacy before", async function () {
    const t = target();
    const fixture = fixtureOf(this, t);
    const card = await createCard(t, {
      sql: "SELECT * FROM contract_structures WHERE {{dep}} [[AND kind = {{kind}}]]",
      tags: [fieldFilterTag("dep", "Département", fixture.fields.departement!), textTag("kind", "Type")],
    });
    const answer = await t.admin.ok("GET", `/api/card/${card.id}`);
    if (t.features.mbql5ReadBack) {
      assert.equal(answer.dataset_query["lib/type"], "mbql/query");
      assert.equal(answer.dataset_query.database, t.databaseId);
      const stage = answer.dataset_query.stages[0];
      assert.equal(stage["lib/type"], "mbql.stage/native");
      assert.equal(stage.native, "SELECT * FROM contract_structures WHERE {{dep}} [[AND kind = {{kind}}]]");
      const dimension = stage["template-tags"].dep.dimension;
      assert.equal(dimension[0], "field");
      assert.equal(typeof dimension[1], "object");
      assert.equal(dimension[2], fixture.fields.departement);
    } else {
      assert.equal(answer.dataset_query.type, "native");
      assert.deepEqual(answer.dataset_query.native["template-tags"].dep.dimension, [
        "field",
        fixture.fields.departement,
        null,
      ]);
    }
  });

  it("§2.6 §5 answers the legacy shape with ?legacy-mbql=true", async function () {
    const t = target();
    const fixture = fixtureOf(this, t);
    const card = await createCard(t, {
      sql: "SELECT * FROM contract_structures WHERE {{dep}}",
      tags: [fieldFilterTag("dep", "Département", fixture.fields.departement!)],
    });
    const answer = await t.admin.ok("GET", `/api/card/${card.id}?legacy-mbql=true`);
    assert.equal(answer.dataset_query.type, "native");
    assert.equal(answer.dataset_query.database, t.databaseId);
    assert.equal(answer.dataset_query.native.query, "SELECT * FROM contract_structures WHERE {{dep}}");
    assert.deepEqual(answer.dataset_query.native["template-tags"].dep.dimension, [
      "field",
      fixture.fields.departement,
      null,
    ]);
  });

  it("§2.2 §2.6 answers an unknown card with 404 `Not found.` in plain text", async () => {
    const answer = await target().admin.get("/api/card/987654");
    assert.equal(answer.status, 404);
    assert.match(answer.contentType, /^text\/plain/);
    assert.equal(answer.text, "Not found.");
  });

  it("§2.1 §2.6 lets only an admin change embedding: 403 `You don't have permissions to do that.`", async function () {
    const t = target();
    if (!t.nonAdmin) this.skip();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    const refused = await t.nonAdmin!.put(`/api/card/${card.id}`, { enable_embedding: true });
    assert.equal(refused.status, 403);
    assert.equal(refused.text, "You don't have permissions to do that.");
    const params = await t.nonAdmin!.put(`/api/card/${card.id}`, { embedding_params: { x: "locked" } });
    assert.equal(params.status, 403);
    const stored = await t.admin.ok("GET", `/api/card/${card.id}`);
    assert.equal(stored.enable_embedding, false);
    assert.equal(stored.embedding_params, null);
  });

  it("§2.6 checks embedding fields only when they change: a plain user may resend the stored values", async function () {
    const t = target();
    if (!t.nonAdmin) this.skip();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    const answer = await t.nonAdmin!.put(`/api/card/${card.id}`, {
      enable_embedding: false,
      name: "Renommée",
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.name, "Renommée");
  });

  it("§2.6 refuses embedding changes while embedding is off globally: 400 `Embedding is not enabled.`", async function () {
    const t = target();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    if (!(await t.setGlobalEmbedding(false))) this.skip();
    try {
      const answer = await t.admin.put(`/api/card/${card.id}`, { enable_embedding: true });
      assert.equal(answer.status, 400);
      assert.equal(answer.text, "Embedding is not enabled.");
    } finally {
      assert.equal(await t.setGlobalEmbedding(true), true);
    }
  });

  it("§2.6 stores enable_embedding and embedding_params set by an admin's PUT", async () => {
    const t = target();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    const answer = await t.admin.ok("PUT", `/api/card/${card.id}`, {
      enable_embedding: true,
      embedding_params: { dep: "locked", kind: "enabled", hidden: "disabled" },
    });
    assert.equal(answer.enable_embedding, true);
    assert.deepEqual(answer.embedding_params, { dep: "locked", kind: "enabled", hidden: "disabled" });
  });

  it("§1.1 §2.6 refuses an embedding_params value other than enabled, locked or disabled", async () => {
    const t = target();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    const answer = await t.admin.put(`/api/card/${card.id}`, { embedding_params: { dep: "hidden" } });
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.json.errors.embedding_params, "string");
  });

  it("§2.6 archives (Trash, v50+) and restores a card; the list skips archived cards", async () => {
    const t = target();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    const archived = await t.admin.ok("PUT", `/api/card/${card.id}`, { archived: true });
    assert.equal(archived.archived, true);
    assert.equal((await t.admin.ok("GET", `/api/card/${card.id}`)).archived, true);
    const list = await t.admin.ok("GET", "/api/card?f=all");
    assert.equal(
      list.some((c: { id: number }) => c.id === card.id),
      false,
    );
    const trash = await t.admin.ok("GET", "/api/card?f=archived");
    assert.equal(
      trash.some((c: { id: number }) => c.id === card.id),
      true,
    );
    const restored = await t.admin.ok("PUT", `/api/card/${card.id}`, { archived: false });
    assert.equal(restored.archived, false);
  });

  it("§2.6 updates the query of a card and reads the new one back", async () => {
    const t = target();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    await t.admin.ok("PUT", `/api/card/${card.id}`, { dataset_query: nativeQuery(t, "SELECT 2 AS two") });
    const answer = await t.admin.ok("GET", `/api/card/${card.id}?legacy-mbql=true`);
    assert.equal(answer.dataset_query.native.query, "SELECT 2 AS two");
  });

  it("§2.6 hard-deletes with DELETE: 204, then 404", async () => {
    const t = target();
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    const deleted = await t.admin.delete(`/api/card/${card.id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await t.admin.get(`/api/card/${card.id}`)).status, 404);
  });
});
