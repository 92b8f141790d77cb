import assert from "node:assert/strict";
import type { HttpAnswer } from "./client.js";
import {
  cardToken,
  dashboardToken,
  embeddableCard,
  embeddableDashboard,
  fieldFilterTag,
  query,
  STRUCTURES_VALUES,
  textTag,
} from "./fixtures.js";
import { atLeast, describeContract, fixtureOf, testServerOnly } from "./target.js";

/**
 * metabase-contract.md §1.4 step 6 (running the card), §1.5 (how values are interpreted) and §3 (the
 * template language, through the project's renderer): the rows an embed actually gets back.
 */

function rowsOf(answer: HttpAnswer): unknown[][] {
  assert.equal(answer.status, 202, answer.text.slice(0, 300));
  assert.equal(answer.json.status, "completed", answer.text.slice(0, 300));
  return answer.json.data.rows;
}

describeContract("Metabase contract: embedded query results", (target) => {
  const rawSql = `SELECT departement, kind FROM ${STRUCTURES_VALUES} WHERE true [[AND departement IN ({{dep}})]] [[AND kind = {{kind}}]] ORDER BY departement, kind`;
  let rawCardId: number;
  const runRaw = (params: unknown, url: Record<string, string | string[]> = {}) =>
    target().anonymous.get(`/api/embed/card/${cardToken(target(), rawCardId, params)}/query${query(url)}`);

  before(async () => {
    rawCardId = (
      await embeddableCard(target(), {
        sql: rawSql,
        tags: [textTag("dep", "Département"), textTag("kind", "Type")],
        embeddingParams: { dep: "locked", kind: "enabled" },
      })
    ).id;
  });

  it("§1.4 answers a query with Metabase's result shape: 202, {data: {rows, cols}, row_count, status: completed}", async () => {
    const answer = await runRaw({ dep: "93" });
    assert.deepEqual(rowsOf(answer), [
      ["93", "ACI"],
      ["93", "EI"],
    ]);
    assert.equal(answer.json.row_count, 2);
    assert.deepEqual(
      answer.json.data.cols.map((c: { name: string; base_type: string }) => [c.name, c.base_type]),
      [
        ["departement", "type/Text"],
        ["kind", "type/Text"],
      ],
    );
  });

  it("§1.5 §3.3 binds a locked list to a raw variable as comma-separated values (fine inside IN (…))", async () => {
    assert.deepEqual(rowsOf(await runRaw({ dep: ["75", "33"] })), [
      ["33", "ETTI"],
      ["75", "AI"],
    ]);
  });

  it("§1.5 §5 `[]` for a locked parameter passes the lock check and, from v51, returns UNFILTERED rows — the gateway must never sign it", async () => {
    const answer = await runRaw({ dep: [] });
    if (!atLeast(target(), 51)) {
      // v0.50.3: `[]` reaches the query processor and renders `IN ()`, which Postgres refuses.
      assert.deepEqual(answer.json, {
        status: "failed",
        error: "An error occurred while running the query.",
        error_type: "invalid-query",
      });
      return;
    }
    assert.deepEqual(rowsOf(answer), [
      ["33", "ETTI"],
      ["75", "AI"],
      ["93", "ACI"],
      ["93", "EI"],
    ]);
  });

  it("§1.5 merges URL values with the token's: an enabled URL value filters alongside the locked one", async () => {
    assert.deepEqual(rowsOf(await runRaw({ dep: "93" }, { kind: "EI" })), [["93", "EI"]]);
  });

  it("§1.5 lets the token win the merge: a blank token value, dropped for the checks only, still overrides the URL's", async () => {
    // `validate-and-merge-params` checks the maps without blank strings, then merges the unfiltered ones,
    // token last: the blank string reaches the query and matches nothing.
    assert.deepEqual(rowsOf(await runRaw({ dep: "93", kind: "  " }, { kind: "EI" })), []);
  });

  it("§1.5 reads an empty URL value as no value: the filter is off", async () => {
    assert.deepEqual(rowsOf(await runRaw({ dep: "93" }, { kind: "" })), [
      ["93", "ACI"],
      ["93", "EI"],
    ]);
  });

  it("§1.5 §5 reads typed values from ?parameters=<json> (v51+)", async function () {
    if (!target().features.jsonUrlParameters) this.skip();
    assert.deepEqual(rowsOf(await runRaw({ dep: "93" }, { parameters: JSON.stringify({ kind: "ACI" }) })), [
      ["93", "ACI"],
    ]);
  });

  it("§1.4 §3.2 reports a missing required value in a 202 body: You'll need to pick a value for 'Département' …", async () => {
    const t = target();
    const card = await embeddableCard(t, {
      sql: `SELECT * FROM ${STRUCTURES_VALUES} WHERE departement = {{dep}}`,
      tags: [textTag("dep", "Département", { required: true })],
      embeddingParams: { dep: "enabled" },
    });
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}/query`);
    // Versions with PR #62351 may give this error a 4xx status; the body is the same.
    if (t.mode === "test-server") assert.equal(answer.status, 202);
    assert.deepEqual(answer.json, {
      status: "failed",
      error: "You'll need to pick a value for 'Département' before this query can run.",
      error_type: "missing-required-parameter",
    });
  });

  it("§1.4 hides SQL errors behind a generic message: An error occurred while running the query.", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql: "SELECT * FROM table_that_does_not_exist" });
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}/query`);
    if (t.mode === "test-server") assert.equal(answer.status, 202);
    assert.deepEqual(answer.json, {
      status: "failed",
      error: "An error occurred while running the query.",
      error_type: "invalid-query",
    });
  });

  it("§2.9 stops unaggregated native results at 2,000 rows", async () => {
    const t = target();
    const card = await embeddableCard(t, { sql: "SELECT n FROM generate_series(1, 2500) AS n" });
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id)}/query`);
    assert.equal(rowsOf(answer).length, 2000);
    assert.equal(answer.json.row_count, 2000);
  });

  describe("field filters on a dashboard", () => {
    let dashboardId: number;
    let dashcardId: number;
    let cardId: number;
    const run = (params: unknown, url: Record<string, string | string[]> = {}) =>
      target().anonymous.get(
        `/api/embed/dashboard/${dashboardToken(target(), dashboardId, params)}/dashcard/${dashcardId}/card/${cardId}${query(url)}`,
      );

    before(async function () {
      const t = target();
      if (!t.fixture) return;
      const fields = t.fixture.fields;
      const card = await embeddableCard(t, {
        sql: "SELECT id, departement, kind FROM contract_structures WHERE {{dep}} AND {{kind}} ORDER BY id",
        tags: [
          fieldFilterTag("dep", "Département", fields.departement!),
          fieldFilterTag("kind", "Type", fields.kind!, { "widget-type": "string/=" }),
        ],
      });
      cardId = card.id;
      const dashboard = await embeddableDashboard(t, {
        parameters: [
          { id: "p-dep", name: "Département", slug: "departement", type: "string/=", sectionId: "string" },
          {
            id: "p-kind",
            name: "Type",
            slug: "type",
            type: "string/=",
            sectionId: "string",
            default: ["ACI"],
          },
        ],
        dashcards: [
          {
            cardId,
            mappings: {
              "p-dep": ["dimension", ["template-tag", "dep"]],
              "p-kind": ["dimension", ["template-tag", "kind"]],
            },
          },
        ],
        embeddingParams: { departement: "locked", type: "enabled" },
      });
      dashboardId = dashboard.id;
      dashcardId = dashboard.dashcards[0].id;
    });

    it("§1.5 §3.3 filters on the locked field filter, a list becoming IN (…)", async function () {
      fixtureOf(this, target());
      assert.deepEqual(
        rowsOf(await run({ departement: ["93", "75"] }, { type: ["ACI", "EI", "AI"] })).map((r) => r[0]),
        [1, 2, 3],
      );
    });

    it("§1.5 accepts a scalar as well as an array for an operator parameter", async function () {
      fixtureOf(this, target());
      assert.deepEqual(
        rowsOf(await run({ departement: "93" }, { type: "EI" })).map((r) => r[0]),
        [2],
      );
      assert.deepEqual(
        rowsOf(await run({ departement: ["93"] }, { type: ["EI"] })).map((r) => r[0]),
        [2],
      );
    });

    it("§1.5 §3.2 leaves dashboard defaults to the iframe: no value server-side means no filter on an optional field filter", async function () {
      // `query_processor/dashboard.clj` passes the default as `:default` without `:value`, and
      // `field-filter-value` reads "all values nil, tag not required" as no value (`1 = 1`). The embedded
      // page sends the default itself, as a URL value.
      fixtureOf(this, target());
      assert.deepEqual(
        rowsOf(await run({ departement: ["93", "69"] })).map((r) => r[0]),
        [1, 2, 5],
      );
      assert.deepEqual(
        rowsOf(await run({ departement: ["93", "69"] }, { type: "ACI" })).map((r) => r[0]),
        [1, 5],
      );
    });

    it("§1.5 turns the filter off for an empty URL value or a null token value", async function () {
      fixtureOf(this, target());
      assert.deepEqual(
        rowsOf(await run({ departement: "93" }, { type: "" })).map((r) => r[0]),
        [1, 2],
      );
      assert.deepEqual(
        rowsOf(await run({ departement: "93", type: null })).map((r) => r[0]),
        [1, 2],
      );
    });

    it("§1.5 §5 `[]` for the locked dashboard filter passes the lock check and, from v51, returns every département's rows", async function () {
      fixtureOf(this, target());
      const answer = await run({ departement: [] }, { type: ["ACI", "EI", "AI", "ETTI"] });
      if (!atLeast(target(), 51)) {
        // v0.50.3: the `string/=` filter gets `[]`, and `params.ops/to-clause` refuses an operator without values.
        assert.deepEqual(answer.json, {
          status: "failed",
          error: "An error occurred while running the query.",
          error_type: "invalid-parameter",
        });
        return;
      }
      assert.deepEqual(
        rowsOf(answer).map((r) => r[0]),
        [1, 2, 3, 4, 5],
      );
    });

    it("§1.4 runs what the embed asked for: the locked value is bound, never inlined (test server only)", async function () {
      fixtureOf(this, target());
      const server = testServerOnly(this, target());
      const before = server.queries.length;
      await run({ departement: "93' OR '1'='1" }, { type: "EI" });
      const executed = server.queries[before]!;
      assert.equal(executed.sql.includes("OR '1'='1"), false);
      assert.ok(executed.values.includes("93' OR '1'='1"));
    });
  });

  it("§1.4 reflects a card edited in Metabase's UI at the next query (test server only)", async function () {
    const server = testServerOnly(this, target());
    const t = target();
    const card = await embeddableCard(t, {
      sql: `SELECT departement FROM ${STRUCTURES_VALUES} WHERE departement = {{dep}} ORDER BY 1`,
      tags: [textTag("dep", "Département")],
      embeddingParams: { dep: "locked" },
    });
    server.setEmbeddingParam("card", card.id, "dep", "disabled");
    const refused = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id, { dep: "93" })}/query`);
    assert.equal(refused.text, "You're not allowed to specify a value for :dep.");
    server.setEmbeddingParam("card", card.id, "dep", "locked");
    server.editCard(card.id, {
      dataset_query: {
        ...server.state.cards.get(card.id)!.dataset_query,
        native: {
          query: `SELECT kind FROM ${STRUCTURES_VALUES} WHERE departement = {{dep}} ORDER BY 1`,
          "template-tags": { dep: textTag("dep", "Département") },
        },
      },
    });
    assert.deepEqual(
      rowsOf(await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id, { dep: "93" })}/query`)),
      [["ACI"], ["EI"]],
    );
  });
});
