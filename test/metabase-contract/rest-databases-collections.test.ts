import assert from "node:assert/strict";
import { createCard, embeddableDashboard } from "./fixtures.js";
import { describeContract, fixtureOf, FIXTURE_TABLE, testServerOnly } from "./target.js";

/** metabase-contract.md §2.4 (databases, tables, fields) and §2.5 (collections). */
describeContract("Metabase contract: databases and collections", (target) => {
  it("§2.4 lists databases as {data, total}; the warehouse is found by name, not by id", async () => {
    const t = target();
    const answer = await t.admin.ok("GET", "/api/database");
    assert.equal(answer.total, answer.data.length);
    const warehouse = answer.data.find((d: { name: string }) => d.name === t.databaseName);
    assert.equal(warehouse.engine, "postgres");
    assert.equal(warehouse.id, t.databaseId);
  });

  it("§2.4 §3.3 describes the warehouse's tables and fields, with the ids field filters refer to", async function () {
    const t = target();
    const fixture = fixtureOf(this, t);
    const metadata = await t.admin.ok("GET", `/api/database/${t.databaseId}/metadata`);
    const table = metadata.tables.find((x: { name: string }) => x.name === FIXTURE_TABLE);
    assert.equal(table.schema, "public");
    assert.deepEqual(table.fields.map((f: { name: string }) => f.name).sort(), [
      "departement",
      "etp",
      "id",
      "kind",
      "opened_on",
    ]);
    const field = await t.admin.ok("GET", `/api/field/${fixture.fields.departement}`);
    assert.equal(field.name, "departement");
    assert.equal(field.table_id, fixture.tableId);
    assert.equal(field.base_type, "type/Text");
    const query = await t.admin.ok("GET", `/api/table/${fixture.tableId}/query_metadata`);
    assert.equal(query.fields.length, 5);
  });

  it("§2.4 keeps field ids when the warehouse gains a table (test server only)", async function () {
    const t = target();
    const server = testServerOnly(this, t);
    const before = fixtureOf(this, t);
    // Named to sort before the fixture table: ids numbered afresh in name order would all shift.
    await t.warehouse!.exec("CREATE TABLE contract_aaa (a integer)");
    await server.syncWarehouse();
    const after = await t.admin.ok("GET", `/api/database/${t.databaseId}/metadata`);
    const table = after.tables.find((x: { name: string }) => x.name === FIXTURE_TABLE);
    assert.equal(table.id, before.tableId);
    assert.deepEqual(
      Object.fromEntries(table.fields.map((f: { name: string; id: number }) => [f.name, f.id])),
      before.fields,
    );
    assert.ok(after.tables.some((x: { name: string }) => x.name === "contract_aaa"));
  });

  it("§2.5 creates a collection, nested ones carrying their parent's location", async () => {
    const t = target();
    const child = await t.admin.ok("POST", "/api/collection", {
      name: "Sous-collection",
      parent_id: t.collectionId,
    });
    assert.equal(child.location, `/${t.collectionId}/`);
    assert.match(child.entity_id, /^[A-Za-z0-9_-]{21}$/);
    assert.equal(child.archived, false);
  });

  it("§2.2 §2.5 refuses a blank collection name with a JSON errors map", async () => {
    const answer = await target().admin.post("/api/collection", { name: "  " });
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.json.errors.name, "string");
  });

  it("§2.2 answers an unknown collection with 404 `Not found.` in plain text", async () => {
    const answer = await target().admin.get("/api/collection/987654");
    assert.equal(answer.status, 404);
    assert.match(answer.contentType, /^text\/plain/);
    assert.equal(answer.text, "Not found.");
  });

  it("§2.5 lists a collection's items with their model, filtered by ?models=", async () => {
    const t = target();
    const collection = await t.admin.ok("POST", "/api/collection", {
      name: "Articles",
      parent_id: t.collectionId,
    });
    const card = await t.admin.ok("POST", "/api/card", {
      name: "Une question",
      display: "table",
      visualization_settings: {},
      collection_id: collection.id,
      dataset_query: {
        database: t.databaseId,
        type: "native",
        native: { query: "SELECT 1 AS one", "template-tags": {} },
      },
    });
    const dashboard = await t.admin.ok("POST", "/api/dashboard", {
      name: "Un tableau",
      collection_id: collection.id,
    });
    const all = await t.admin.ok("GET", `/api/collection/${collection.id}/items`);
    assert.deepEqual(
      all.data.map((i: { model: string; id: number }) => [i.model, i.id]).sort(),
      [
        ["card", card.id],
        ["dashboard", dashboard.id],
      ].sort(),
    );
    const cards = await t.admin.ok("GET", `/api/collection/${collection.id}/items?models=card`);
    assert.deepEqual(
      cards.data.map((i: { id: number }) => i.id),
      [card.id],
    );
  });

  it("§2.5 archives a collection with its contents (v50+: Trash), and brings them back", async () => {
    const t = target();
    const collection = await t.admin.ok("POST", "/api/collection", {
      name: "À archiver",
      parent_id: t.collectionId,
    });
    const card = await createCard(t, { sql: "SELECT 1 AS one" });
    await t.admin.ok("PUT", `/api/card/${card.id}`, { collection_id: collection.id });
    const dashboard = await embeddableDashboard(t, { parameters: [], dashcards: [] });
    await t.admin.ok("PUT", `/api/dashboard/${dashboard.id}`, { collection_id: collection.id });

    const archived = await t.admin.ok("PUT", `/api/collection/${collection.id}`, { archived: true });
    assert.equal(archived.archived, true);
    assert.equal((await t.admin.ok("GET", `/api/card/${card.id}`)).archived, true);
    assert.equal((await t.admin.ok("GET", `/api/dashboard/${dashboard.id}`)).archived, true);
    const parentItems = await t.admin.ok("GET", `/api/collection/${t.collectionId}/items?models=collection`);
    assert.equal(
      parentItems.data.some((i: { id: number }) => i.id === collection.id),
      false,
    );

    await t.admin.ok("PUT", `/api/collection/${collection.id}`, { archived: false });
    assert.equal((await t.admin.ok("GET", `/api/card/${card.id}`)).archived, false);
    assert.equal((await t.admin.ok("GET", `/api/dashboard/${dashboard.id}`)).archived, false);
  });
});
