import assert from "node:assert/strict";
import type { HttpAnswer } from "./client.js";
import {
  cardToken,
  dashboardToken,
  embeddableCard,
  embeddableDashboard,
  query,
  STRUCTURES_VALUES,
  textTag,
} from "./fixtures.js";
import { atLeast, describeContract } from "./target.js";

/**
 * metabase-contract.md §1.4 step 5 (`validate-and-merge-params`) and §1.5 (value rules): every
 * `embedding_params` rule, in Metabase's order, slugs rendered as Clojure keywords.
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

/** Past the parameter checks: the query ran (its rows are pinned by embed-query.test.ts). */
function assertPassed(answer: HttpAnswer): void {
  assert.equal(
    answer.status,
    202,
    `expected the query to run, got ${answer.status} ${answer.text.slice(0, 200)}`,
  );
  assert.equal(answer.json.status, "completed", answer.text.slice(0, 300));
}

describeContract("Metabase contract: embedding_params rules", (target) => {
  const sql = `SELECT * FROM ${STRUCTURES_VALUES} WHERE true [[AND departement = {{dep}}]] [[AND kind = {{kind}}]] [[AND kind <> {{hidden}}]]`;
  let cardId: number;
  const run = (params: unknown, url: Record<string, string | string[]> = {}) =>
    target().anonymous.get(`/api/embed/card/${cardToken(target(), cardId, params)}/query${query(url)}`);

  before(async () => {
    const card = await embeddableCard(target(), {
      sql,
      tags: [textTag("dep", "Département"), textTag("kind", "Type"), textTag("hidden", "Caché")],
      embeddingParams: { dep: "locked", kind: "enabled", hidden: "disabled" },
    });
    cardId = card.id;
  });

  it("§1.4 locked: refuses a token without it: You must specify a value for :dep in the JWT.", async () => {
    assertRefused(await run({}), "You must specify a value for :dep in the JWT.");
  });

  it("§1.4 §1.5 locked: a blank string is no value: You must specify a value for :dep in the JWT.", async () => {
    assertRefused(await run({ dep: "   " }), "You must specify a value for :dep in the JWT.");
    assertRefused(await run({ dep: "" }), "You must specify a value for :dep in the JWT.");
  });

  it("§1.5 §5 locked: null is refused from v51 (and v0.50.14), accepted (as no filter) before", async () => {
    const answer = await run({ dep: null });
    if (atLeast(target(), 50, 14)) assertRefused(answer, "You must specify a value for :dep in the JWT.");
    else assertPassed(answer);
  });

  it("§1.5 §5 locked: `[]` passes the lock check (it is non-null); from v51 it then switches the filter off", async () => {
    const answer = await run({ dep: [] });
    if (atLeast(target(), 51)) assertPassed(answer);
    else {
      // v0.50.3 hands `[]` to the query processor: `departement = ` with nothing after it, a SQL error.
      assert.equal(answer.status, 202, answer.text.slice(0, 200));
      assert.deepEqual(answer.json, {
        status: "failed",
        error: "An error occurred while running the query.",
        error_type: "invalid-query",
      });
    }
  });

  it("§1.4 locked: refuses it in the URL, even with an empty value: You can only specify a value for :dep in the JWT.", async () => {
    assertRefused(
      await run({ dep: "93" }, { dep: "75" }),
      "You can only specify a value for :dep in the JWT.",
    );
    assertRefused(await run({ dep: "93" }, { dep: "" }), "You can only specify a value for :dep in the JWT.");
  });

  it("§1.4 locked: checks the token first: a URL value without a token value is `must specify`", async () => {
    assertRefused(await run({}, { dep: "93" }), "You must specify a value for :dep in the JWT.");
  });

  it("§1.4 disabled: refuses it in the token: You're not allowed to specify a value for :hidden.", async () => {
    assertRefused(
      await run({ dep: "93", hidden: "EI" }),
      "You're not allowed to specify a value for :hidden.",
    );
  });

  it("§1.4 disabled: refuses it in the URL, even empty", async () => {
    assertRefused(
      await run({ dep: "93" }, { hidden: "EI" }),
      "You're not allowed to specify a value for :hidden.",
    );
    assertRefused(
      await run({ dep: "93" }, { hidden: "" }),
      "You're not allowed to specify a value for :hidden.",
    );
  });

  it("§1.4 §1.5 disabled: a blank token value is dropped before the check", async () => {
    assertPassed(await run({ dep: "93", hidden: " " }));
  });

  it("§1.4 enabled: refuses it in both token and URL: You can't specify a value for :kind if it's already set in the JWT.", async () => {
    assertRefused(
      await run({ dep: "93", kind: "ACI" }, { kind: "EI" }),
      "You can't specify a value for :kind if it's already set in the JWT.",
    );
  });

  it("§1.4 enabled: accepts it from the token or from the URL", async () => {
    assertPassed(await run({ dep: "93", kind: "ACI" }));
    assertPassed(await run({ dep: "93" }, { kind: "ACI" }));
  });

  it("§1.4 refuses a slug absent from embedding_params, in the token or the URL: Unknown parameter :x.", async () => {
    assertRefused(await run({ dep: "93", region: "11" }), "Unknown parameter :region.");
    assertRefused(await run({ dep: "93" }, { region: "11" }), "Unknown parameter :region.");
  });

  it("§1.5 drops blank strings before the unknown-parameter check", async () => {
    assertPassed(await run({ dep: "93", region: "  " }));
  });

  it("§1.4 runs the embedding_params checks, in their order, before the unknown-parameter check", async () => {
    assertRefused(await run({ region: "11", hidden: "x" }), "You must specify a value for :dep in the JWT.");
    assertRefused(
      await run({ dep: "93", region: "11", hidden: "x" }),
      "You're not allowed to specify a value for :hidden.",
    );
  });

  it("§1.5 §5 reads ?parameters=<json> from v51 (it replaces the plain URL parameters); before, `parameters` is a slug", async () => {
    const answer = await run({ dep: "93" }, { parameters: JSON.stringify({ kind: "ACI" }) });
    if (target().features.jsonUrlParameters) {
      assertPassed(answer);
      assertRefused(
        await run({ dep: "93", kind: "ACI" }, { parameters: JSON.stringify({ kind: "EI" }) }),
        "You can't specify a value for :kind if it's already set in the JWT.",
      );
    } else {
      assertRefused(answer, "Unknown parameter :parameters.");
    }
  });

  it("§1.5 §5 falls back to the plain URL parameters when ?parameters= is not JSON (v51+)", async function () {
    if (!target().features.jsonUrlParameters) this.skip();
    // `parameters` then stays a plain slug, unknown to this card.
    assertRefused(await run({ dep: "93" }, { parameters: "{not json" }), "Unknown parameter :parameters.");
  });

  describe("on a dashboard", () => {
    let dashboardId: number;
    let dashcardId: number;
    const runDashcard = (
      params: unknown,
      url: Record<string, string | string[]> = {},
      ids?: { dashcard: number; card: number },
    ) =>
      target().anonymous.get(
        `/api/embed/dashboard/${dashboardToken(target(), dashboardId, params)}/dashcard/${ids?.dashcard ?? dashcardId}/card/${ids?.card ?? cardId}${query(url)}`,
      );

    before(async () => {
      const dashboard = await embeddableDashboard(target(), {
        parameters: [
          { id: "p-dep", name: "Département", slug: "departement", type: "string/=", sectionId: "string" },
          { id: "p-kind", name: "Type", slug: "type", type: "string/=", sectionId: "string" },
        ],
        dashcards: [
          {
            cardId,
            mappings: {
              "p-dep": ["variable", ["template-tag", "dep"]],
              "p-kind": ["variable", ["template-tag", "kind"]],
            },
          },
        ],
        embeddingParams: { departement: "locked", type: "enabled", ghost: "enabled" },
      });
      dashboardId = dashboard.id;
      dashcardId = dashboard.dashcards[0].id;
    });

    it("§1.4 applies the same rules with the dashboard's slugs", async () => {
      assertRefused(await runDashcard({}), "You must specify a value for :departement in the JWT.");
      assertRefused(
        await runDashcard({ departement: "93" }, { departement: "75" }),
        "You can only specify a value for :departement in the JWT.",
      );
      assertRefused(await runDashcard({ departement: "93", dep: "75" }), "Unknown parameter :dep.");
      assertPassed(await runDashcard({ departement: "93" }, { type: "ACI" }));
    });

    it('§1.4 refuses a slug of embedding_params that is not on the dashboard: No matching parameter with slug "ghost". Found: (…)', async () => {
      assertRefused(
        await runDashcard({ departement: "93" }, { ghost: "x" }),
        'No matching parameter with slug "ghost". Found: ("departement" "type")',
      );
    });

    it("§1.4 answers 400 `Not found.` for a dashcard or card that is not on the dashboard, after the parameter checks", async () => {
      assertRefused(
        await runDashcard({ departement: "93" }, {}, { dashcard: dashcardId + 1000, card: cardId }),
        "Not found.",
      );
      assertRefused(
        await runDashcard({ departement: "93" }, {}, { dashcard: dashcardId, card: cardId + 1000 }),
        "Not found.",
      );
      assertRefused(
        await runDashcard({}, {}, { dashcard: dashcardId + 1000, card: cardId }),
        "You must specify a value for :departement in the JWT.",
      );
    });
  });
});
