import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { CONFORMANCE_ROWS } from "../metabase-conformance/cases.js";
import { appliesTo, type Row } from "../metabase-conformance/row.js";
import { buildRequest } from "../metabase-conformance/run.js";
import type { FieldMetadata } from "../support/metabase-server/index.js";
import { CONFORMANCE_TABLE } from "../support/metabase-server/fixture.js";
import { cardToken } from "./fixtures.js";
import { describeContract } from "./target.js";

/**
 * The conformance table (test/metabase-conformance/) as native cards: each row saved as a card, run with its
 * parameters through `POST /api/card/:id/query` (or, for rows about the embedding API, through
 * `/api/embed/card/:token/query`), and its rows or its error compared with the table. In `npm test` this checks
 * the test server's HTTP path for each pinned version; under `npm run test:metabase-live` it is the operator's
 * check of the table against a real Metabase before an upgrade.
 *
 * Left out here (the direct runs of conformance.test.ts cover them): rows about a pinned clock (relative dates
 * need "now", which an instance does not let a client set), rows both renderers refuse (snippets, card
 * references), and rows whose parameter names its tag by id (`validate-card-parameters` infers names from targets).
 */

const RELATIVE = /^(today|yesterday|(past|next)\d+|this|last)/;

function skipReason(row: Row): string | undefined {
  const values = [...(row.params ?? []).map((p) => p.value), ...row.tags.map((t) => t.default)];
  if (row.now || values.some((v) => typeof v === "string" && RELATIVE.test(v))) return "needs a pinned clock";
  if (row.gateway && "refuses" in row.gateway && row.oracle) return "refused by both renderers";
  if ((row.params ?? []).some((p) => p.target !== undefined)) return "targets its tag by id";
  return undefined;
}

interface QueryAnswer {
  status?: string;
  error?: string;
  error_type?: string;
  data?: { rows: unknown[][] };
}

describeContract("Metabase contract: the conformance table as native cards", (target) => {
  let fields: Map<string, FieldMetadata> | undefined;

  before(async function () {
    const t = target();
    const metadata = await t.admin.ok("GET", `/api/database/${t.databaseId}/metadata`);
    const table = (
      metadata.tables as {
        name: string;
        schema: string;
        fields: { id: number; name: string; base_type: string }[];
      }[]
    ).find((x) => x.name === CONFORMANCE_TABLE);
    if (!table) {
      console.log(`    (${t.label} has no table ${CONFORMANCE_TABLE}: the conformance cards are skipped)`);
      return;
    }
    fields = new Map(
      table.fields.map((f) => [
        f.name,
        { id: f.id, schema: table.schema, table: table.name, name: f.name, baseType: f.base_type },
      ]),
    );
  });

  async function run(row: Row): Promise<QueryAnswer> {
    const t = target();
    const { tags, parameters } = buildRequest(row, fields!);
    const card = await t.admin.ok("POST", "/api/card", {
      name: `Conformité ${row.id} ${randomUUID().slice(0, 6)}`,
      display: "table",
      visualization_settings: {},
      collection_id: t.collectionId,
      dataset_query: {
        database: t.databaseId,
        type: "native",
        native: { query: row.sql, "template-tags": tags },
      },
    });
    if (!row.embed) {
      const answer = await t.admin.post(`/api/card/${card.id}/query`, { parameters });
      assert.ok(answer.status === 202 || answer.status === 200 || answer.status >= 400, answer.text);
      return answer.json ?? { status: "failed", error: answer.text };
    }
    const slugs = Object.fromEntries((row.params ?? []).map((p) => [p.tag, "enabled"]));
    await t.admin.ok("PUT", `/api/card/${card.id}`, { enable_embedding: true, embedding_params: slugs });
    const values = Object.fromEntries((row.params ?? []).map((p) => [p.tag, p.value]));
    const answer = await t.anonymous.get(`/api/embed/card/${cardToken(t, card.id, values)}/query`);
    return answer.json ?? { status: "failed", error: answer.text };
  }

  for (const row of CONFORMANCE_ROWS) {
    it(`${row.category} › ${row.id}`, async function () {
      const t = target();
      if (!fields || !appliesTo(row, t.version.major)) this.skip();
      const reason = skipReason(row);
      if (reason) this.skip();
      const answer = await run(row);
      if ("error" in row.expect) {
        assert.equal(answer.status, "failed", JSON.stringify(answer).slice(0, 300));
        if (row.expect.error.type !== "sql") assert.equal(answer.error_type, row.expect.error.type);
        const message = row.expect.error.message;
        // Embeds show only the missing-parameter messages; the card API shows them all, sometimes wrapped.
        if (message !== undefined && (!row.embed || row.expect.error.type === "missing-required-parameter")) {
          assert.ok(
            answer.error?.includes(message),
            `expected ${JSON.stringify(message)} in ${JSON.stringify(answer.error)}`,
          );
        }
        return;
      }
      assert.equal(answer.status, "completed", `${answer.error_type}: ${answer.error}`);
      assert.deepEqual(
        answer.data!.rows.map((r) => Number(r[0])),
        row.expect.rows,
      );
    });
  }
});
