import assert from "node:assert/strict";
import { createCard } from "./fixtures.js";
import { describeContract } from "./target.js";

/** metabase-contract.md §2.7 (dashboards: dashcards row-diff, tabs, parameters, embedding, archive). */
describeContract("Metabase contract: dashboards", (target) => {
  let cardA: number;
  let cardB: number;

  before(async () => {
    cardA = (await createCard(target(), { sql: "SELECT 1 AS one" })).id;
    cardB = (await createCard(target(), { sql: "SELECT 2 AS two" })).id;
  });

  const dashcard = (id: number, cardId: number, extra: Record<string, unknown> = {}) => ({
    id,
    card_id: cardId,
    row: 0,
    col: 0,
    size_x: 12,
    size_y: 6,
    parameter_mappings: [],
    visualization_settings: {},
    ...extra,
  });

  async function newDashboard(parameters: unknown[] = []) {
    return target().admin.ok("POST", "/api/dashboard", {
      name: "Tableau de bord",
      collection_id: target().collectionId,
      parameters,
    });
  }

  it("§2.7 creates a dashboard with no dashcards and no tabs", async () => {
    const dashboard = await newDashboard();
    assert.deepEqual(dashboard.dashcards, []);
    assert.deepEqual(dashboard.tabs, []);
    assert.equal(dashboard.enable_embedding, false);
    assert.equal(dashboard.collection_id, target().collectionId);
  });

  it("§2.7 refuses a blank dashboard name: 400 with a JSON errors map", async () => {
    const answer = await target().admin.post("/api/dashboard", { name: "" });
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.json.errors.name, "string");
  });

  it("§2.7 creates dashcards sent with negative ids, answering their real ids, with parameters and mappings", async () => {
    const parameters = [
      { id: "p-dep", name: "Département", slug: "departement", type: "string/=", sectionId: "string" },
    ];
    const dashboard = await newDashboard(parameters);
    const mapping = { parameter_id: "p-dep", card_id: cardA, target: ["variable", ["template-tag", "dep"]] };
    const answer = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(-1, cardA, { parameter_mappings: [mapping] }), dashcard(-2, cardB, { row: 6 })],
    });
    assert.equal(answer.dashcards.length, 2);
    for (const dc of answer.dashcards) assert.ok(dc.id > 0);
    const a = answer.dashcards.find((dc: { card_id: number }) => dc.card_id === cardA);
    assert.deepEqual(
      a.parameter_mappings.map((m: { parameter_id: string; target: unknown }) => [m.parameter_id, m.target]),
      [["p-dep", ["variable", ["template-tag", "dep"]]]],
    );
    assert.equal(a.card.id, cardA);
    const read = await target().admin.ok("GET", `/api/dashboard/${dashboard.id}`);
    assert.deepEqual(
      read.parameters.map((p: { id: string; slug: string }) => [p.id, p.slug]),
      [["p-dep", "departement"]],
    );
    assert.equal(read.dashcards.length, 2);
  });

  it("§2.7 treats dashcards as the complete set: kept ids are updated in place, missing ones are deleted", async () => {
    const dashboard = await newDashboard();
    const first = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(-1, cardA), dashcard(-2, cardB, { row: 6 })],
    });
    const kept = first.dashcards.find((dc: { card_id: number }) => dc.card_id === cardA);
    const second = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(kept.id, cardA, { col: 12 })],
    });
    assert.deepEqual(
      second.dashcards.map((dc: { id: number; col: number }) => [dc.id, dc.col]),
      [[kept.id, 12]],
    );
    const read = await target().admin.ok("GET", `/api/dashboard/${dashboard.id}`);
    assert.deepEqual(
      read.dashcards.map((dc: { id: number }) => dc.id),
      [kept.id],
    );
  });

  it("§2.7 refuses dashcards with duplicate ids", async () => {
    const dashboard = await newDashboard();
    const answer = await target().admin.put(`/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(-1, cardA), dashcard(-1, cardB)],
    });
    assert.equal(answer.status, 400);
    assert.equal(typeof answer.json.errors.dashcards, "string");
  });

  it("§2.7 refuses tabs when a dashcard has none: This dashboard has tab, makes sure every card has a tab", async () => {
    const dashboard = await newDashboard();
    const answer = await target().admin.put(`/api/dashboard/${dashboard.id}`, {
      tabs: [
        { id: -1, name: "Un" },
        { id: -2, name: "Deux" },
      ],
      dashcards: [dashcard(-1, cardA, { dashboard_tab_id: -1 }), dashcard(-2, cardB)],
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.text, "This dashboard has tab, makes sure every card has a tab");
  });

  it("§2.7 creates tabs from negative ids and places dashcards on them", async () => {
    const dashboard = await newDashboard();
    const answer = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
      tabs: [
        { id: -1, name: "Un" },
        { id: -2, name: "Deux" },
      ],
      dashcards: [
        dashcard(-1, cardA, { dashboard_tab_id: -1 }),
        dashcard(-2, cardB, { dashboard_tab_id: -2 }),
      ],
    });
    assert.deepEqual(
      answer.tabs.map((tab: { name: string }) => tab.name),
      ["Un", "Deux"],
    );
    const tabId = (name: string) => answer.tabs.find((tab: { name: string }) => tab.name === name).id;
    assert.ok(tabId("Un") > 0);
    assert.equal(
      answer.dashcards.find((dc: { card_id: number }) => dc.card_id === cardB).dashboard_tab_id,
      tabId("Deux"),
    );
    const untabbed = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(-1, cardA)],
    });
    assert.deepEqual(untabbed.tabs, []);
    assert.equal(untabbed.dashcards[0].dashboard_tab_id, null);
  });

  it("§2.2 §2.7 refuses a dashcard of an unknown card: 404 `Not found.`", async () => {
    const dashboard = await newDashboard();
    const answer = await target().admin.put(`/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(-1, 987654)],
    });
    assert.equal(answer.status, 404);
    assert.equal(answer.text, "Not found.");
  });

  it("§2.2 §2.7 refuses a new dashcard of an archived card: 404 JSON {message, error_code: archived}", async () => {
    const archived = await createCard(target(), { sql: "SELECT 3 AS three" });
    await target().admin.ok("PUT", `/api/card/${archived.id}`, { archived: true });
    const dashboard = await newDashboard();
    const answer = await target().admin.put(`/api/dashboard/${dashboard.id}`, {
      tabs: [],
      dashcards: [dashcard(-1, archived.id)],
    });
    assert.equal(answer.status, 404);
    assert.equal(answer.json.message, "The object has been archived.");
    assert.equal(answer.json.error_code, "archived");
  });

  it("§2.1 §2.7 lets only an admin change a dashboard's embedding", async function () {
    if (!target().nonAdmin) this.skip();
    const dashboard = await newDashboard();
    const refused = await target().nonAdmin!.put(`/api/dashboard/${dashboard.id}`, {
      enable_embedding: true,
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.text, "You don't have permissions to do that.");
    const answer = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
      enable_embedding: true,
      embedding_params: { departement: "locked" },
    });
    assert.equal(answer.enable_embedding, true);
    assert.deepEqual(answer.embedding_params, { departement: "locked" });
  });

  it("§2.7 lists dashboards with GET /api/dashboard?f=all, archived ones with ?f=archived", async () => {
    const kept = await newDashboard();
    const archived = await newDashboard();
    await target().admin.ok("PUT", `/api/dashboard/${archived.id}`, { archived: true });
    const all = (await target().admin.ok("GET", "/api/dashboard?f=all")).map((d: { id: number }) => d.id);
    assert.ok(all.includes(kept.id));
    assert.equal(all.includes(archived.id), false);
    const trash = (await target().admin.ok("GET", "/api/dashboard?f=archived")).map(
      (d: { id: number }) => d.id,
    );
    assert.ok(trash.includes(archived.id));
    assert.equal(trash.includes(kept.id), false);
  });

  it("§2.7 archives a dashboard (Trash) and refuses dashcard changes while it is there", async () => {
    const dashboard = await newDashboard();
    const archived = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, { archived: true });
    assert.equal(archived.archived, true);
    const refused = await target().admin.put(`/api/dashboard/${dashboard.id}`, {
      archived: false,
      tabs: [],
      dashcards: [dashcard(-1, cardA)],
    });
    assert.equal(refused.status, 404);
    assert.equal(refused.json.error_code, "archived");
    assert.equal((await target().admin.ok("GET", `/api/dashboard/${dashboard.id}`)).archived, true);
    const restored = await target().admin.ok("PUT", `/api/dashboard/${dashboard.id}`, { archived: false });
    assert.equal(restored.archived, false);
  });
});
