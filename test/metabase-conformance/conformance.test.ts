import assert from "node:assert/strict";
import type { Database } from "../../src/storage/database.js";
import type { FieldMetadata } from "../support/metabase-server/index.js";
import { PINNED_VERSIONS } from "../support/metabase-server/version.js";
import { CONFORMANCE_ROWS } from "./cases.js";
import { gateway, oracle } from "./implementations.js";
import { appliesTo, CATEGORIES } from "./row.js";
import { runRow } from "./run.js";
import { disagreement } from "./verdict.js";
import { openConformanceWarehouse } from "./warehouse.js";

/**
 * The conformance table (cases/) against both renderers of Metabase's template language: the test server's own
 * (native-query/, once per pinned version) and the gateway's (src/template/, against the newest pinned version,
 * whose behaviour it follows). A row where either differs from Metabase is a bug in that renderer.
 */

const NEWEST = PINNED_VERSIONS[PINNED_VERSIONS.length - 1]!;
const major = (tag: string) => Number(tag.split(".")[1]);

describe("Metabase conformance table", function () {
  let warehouse: Database;
  let fields: Map<string, FieldMetadata>;
  let close: () => Promise<void>;

  before(async () => {
    ({ warehouse, fields, close } = await openConformanceWarehouse());
  });
  after(async () => {
    await close?.();
  });

  it("has at least 80 rows, at least 8 per category, unique ids, each with its Metabase source", () => {
    assert.ok(CONFORMANCE_ROWS.length >= 80, `${CONFORMANCE_ROWS.length} rows`);
    const counts = Object.fromEntries(
      CATEGORIES.map((c) => [c, CONFORMANCE_ROWS.filter((r) => r.category === c).length]),
    );
    for (const [category, count] of Object.entries(counts))
      assert.ok(count >= 8, `${category}: ${count} rows`);
    assert.equal(new Set(CONFORMANCE_ROWS.map((r) => r.id)).size, CONFORMANCE_ROWS.length);
    for (const row of CONFORMANCE_ROWS) {
      assert.match(row.source.file, /^(test|src)\/metabase\/.+\.clj$/, row.id);
      assert.ok(row.source.test.length > 0, row.id);
    }
  });

  for (const version of PINNED_VERSIONS) {
    describe(`the test server's renderer as ${version}`, () => {
      for (const row of CONFORMANCE_ROWS.filter((r) => appliesTo(r, major(version)))) {
        it(`${row.category} › ${row.id}`, async () => {
          const outcome = await runRow(row, oracle, version, warehouse, fields);
          const problem = disagreement(row, outcome, "oracle");
          assert.equal(problem, undefined, problem);
        });
      }
    });
  }

  describe(`the gateway's renderer (rows of ${NEWEST})`, () => {
    for (const row of CONFORMANCE_ROWS.filter((r) => appliesTo(r, major(NEWEST)))) {
      it(`${row.category} › ${row.id}`, async () => {
        const outcome = await runRow(row, gateway, NEWEST, warehouse, fields);
        const problem = disagreement(row, outcome, "gateway");
        assert.equal(problem, undefined, problem);
      });
    }
  });
});
