import assert from "node:assert/strict";
import type { HttpAnswer } from "./client.js";
import {
  cardToken,
  dashboardToken,
  embeddableCard,
  embeddableDashboard,
  STRUCTURES_VALUES,
  textTag,
} from "./fixtures.js";
import { describeContract, testServerOnly } from "./target.js";

/**
 * metabase-contract.md §1.1 and §1.4 step 4 (the object checks), and what `GET /api/embed/...` shows (§1.5,
 * last point). Deviation from the contract's table, read in Metabase's source: `/api/embed` is mounted
 * behind `message-only-exceptions`, so a missing or archived object is a **400** whose plain-text body is
 * `Not found.` / `The object has been archived.`, not a 404.
 */

function assertRefused(answer: HttpAnswer, message: string): void {
  assert.equal(
    answer.status,
    400,
    `expected 400 "${message}", got ${answer.status} ${answer.text.slice(0, 200)}`,
  );
  assert.match(answer.contentType, /^text\/plain/);
  assert.equal(answer.text, message);
}

describeContract("Metabase contract: embeddable objects", (target) => {
  const sql = `SELECT * FROM ${STRUCTURES_VALUES} WHERE true [[AND departement = {{dep}}]] [[AND kind = {{kind}}]] [[AND kind <> {{hidden}}]]`;
  const tags = () => [textTag("dep", "Département"), textTag("kind", "Type"), textTag("hidden", "Caché")];

  it("§1.1 §1.4 refuses everything when static embedding is off globally: Embedding is not enabled.", async function () {
    const t = target();
    const card = await embeddableCard(t, { sql: "SELECT 1 AS one" });
    if (!(await t.setGlobalEmbedding(false))) this.skip();
    try {
      assertRefused(
        await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}`),
        "Embedding is not enabled.",
      );
      assertRefused(
        await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}/query`),
        "Embedding is not enabled.",
      );
    } finally {
      assert.equal(await t.setGlobalEmbedding(true), true);
    }
  });

  it("§1.4 answers a missing object with 400 `Not found.` (message-only exceptions)", async () => {
    const t = target();
    assertRefused(await t.anonymous.get(`/api/embed/card/${cardToken(t, 987654)}/query`), "Not found.");
    assertRefused(await t.anonymous.get(`/api/embed/dashboard/${dashboardToken(t, 987654)}`), "Not found.");
  });

  it("§1.4 answers an archived object with 400 `The object has been archived.`", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql: "SELECT 1 AS one" });
    await t.admin.ok("PUT", `/api/card/${card.id}`, { archived: true });
    assertRefused(
      await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}/query`),
      "The object has been archived.",
    );
    const dashboard = await embeddableDashboard(t, { parameters: [], dashcards: [] });
    await t.admin.ok("PUT", `/api/dashboard/${dashboard.id}`, { archived: true });
    assertRefused(
      await t.anonymous.get(`/api/embed/dashboard/${dashboardToken(t, dashboard.id)}`),
      "The object has been archived.",
    );
  });

  it("§1.1 §1.4 refuses an object whose own embedding is off: Embedding is not enabled for this object.", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql: "SELECT 1 AS one", enable: false });
    assertRefused(
      await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}`),
      "Embedding is not enabled for this object.",
    );
    const dashboard = await embeddableDashboard(t, { parameters: [], dashcards: [], enable: false });
    assertRefused(
      await t.anonymous.get(`/api/embed/dashboard/${dashboardToken(t, dashboard.id)}`),
      "Embedding is not enabled for this object.",
    );
  });

  it("§1.4 checks the global toggle before the object's existence (test server only)", async function () {
    const server = testServerOnly(this, target());
    server.setSetting(server.features.embeddingSetting, false);
    try {
      assertRefused(
        await target().anonymous.get(`/api/embed/card/${cardToken(target(), 987654)}`),
        "Embedding is not enabled.",
      );
    } finally {
      server.setSetting(server.features.embeddingSetting, true);
    }
  });

  it("§1.4 §5 refuses a non-positive id: Card id should be a positive integer.", async () => {
    const t = target();
    // The newest Metabase refuses it one step earlier, while translating entity ids, with `Invalid ID.`.
    const allowed = (expected: string) => (t.mode === "live" ? [expected, "Invalid ID."] : [expected]);
    const card = await t.anonymous.get(`/api/embed/card/${cardToken(t, 0)}`);
    assert.equal(card.status, 400);
    assert.ok(allowed("Card id should be a positive integer.").includes(card.text), card.text);
    const dashboard = await t.anonymous.get(`/api/embed/dashboard/${dashboardToken(t, -3)}`);
    assert.equal(dashboard.status, 400);
    assert.ok(allowed("Dashboard id should be a positive integer.").includes(dashboard.text), dashboard.text);
  });

  it("§1.2 §5 names the resource by entity_id from v51; earlier versions want a positive integer", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql: "SELECT 1 AS one" });
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.entity_id)}`);
    if (t.features.entityIdResources) {
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.id, card.id);
    } else {
      assertRefused(answer, "Card id should be a positive integer.");
    }
  });

  it("§1.5 shows only the enabled parameters the token does not set, and never the SQL", async () => {
    const t = target();
    const card = await embeddableCard(t, {
      sql,
      tags: tags(),
      embeddingParams: { dep: "locked", kind: "enabled", hidden: "disabled" },
    });
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id, { dep: "93" })}`);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(
      answer.json.parameters.map((p: { slug: string; type: string; target: unknown }) => [
        p.slug,
        p.type,
        p.target,
      ]),
      [["kind", "category", ["variable", ["template-tag", "kind"]]]],
    );
    assert.equal(answer.text.includes("SELECT"), false);
    const withKind = await t.anonymous.get(
      `/api/embed/card/${cardToken(t, card.id, { dep: "93", kind: "ACI" })}`,
    );
    assert.deepEqual(withKind.json.parameters, []);
  });

  it("§1.4 does not check parameters when showing a card or a dashboard, only when running a query", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql, tags: tags(), embeddingParams: { dep: "locked" } });
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id, { stranger: "x" })}`);
    assert.equal(answer.status, 200, answer.text);
  });

  it("§1.5 hides locked and disabled dashboard parameters and their mappings", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql, tags: tags() });
    const parameters = [
      { id: "p-dep", name: "Département", slug: "dep", type: "string/=", sectionId: "string" },
      { id: "p-kind", name: "Type", slug: "kind", type: "string/=", sectionId: "string" },
      { id: "p-hidden", name: "Caché", slug: "hidden", type: "string/=", sectionId: "string" },
    ];
    const dashboard = await embeddableDashboard(t, {
      parameters,
      dashcards: [
        {
          cardId: card.id,
          mappings: {
            "p-dep": ["variable", ["template-tag", "dep"]],
            "p-kind": ["variable", ["template-tag", "kind"]],
            "p-hidden": ["variable", ["template-tag", "hidden"]],
          },
        },
      ],
      embeddingParams: { dep: "locked", kind: "enabled", hidden: "disabled" },
    });
    const answer = await t.anonymous.get(
      `/api/embed/dashboard/${dashboardToken(t, dashboard.id, { dep: "93" })}`,
    );
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(
      answer.json.parameters.map((p: { slug: string }) => p.slug),
      ["kind"],
    );
    assert.deepEqual(
      answer.json.dashcards[0].parameter_mappings.map((m: { parameter_id: string }) => m.parameter_id),
      ["p-kind"],
    );
    assert.equal(answer.text.includes("SELECT"), false);
  });
});
