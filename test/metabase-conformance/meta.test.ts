import assert from "node:assert/strict";
import type { Database } from "../../src/storage/database.js";
import { createGatewayRenderer, type TemplateModule } from "../support/gateway-renderer.js";
import type { FieldMetadata, NativeRenderer } from "../support/metabase-server/index.js";
import { PINNED_VERSIONS } from "../support/metabase-server/version.js";
import { CONFORMANCE_ROWS } from "./cases.js";
import { gatewayImplementation, oracleImplementation, type OracleKit } from "./implementations.js";
import { filesUnder, plantBug, type Mutation } from "./mutants.js";
import { appliesTo, type Row } from "./row.js";
import { runRow, type Implementation } from "./run.js";
import { disagreement } from "./verdict.js";
import { openConformanceWarehouse } from "./warehouse.js";

/**
 * The conformance table must be able to fail: three bugs are planted in turn in each renderer — an optional
 * clause kept when only one of its two tags has a value, an empty list rendered as `IN ()`, a date range whose
 * exclusive end becomes inclusive — and each must make at least one row disagree with Metabase.
 */

const GATEWAY_BUGS: Mutation[] = [
  {
    bug: "an optional clause is kept when one of its two tags has no value",
    file: "render.ts",
    find: "if (inner.missing.length === 0) parts.push(...inner.parts);",
    replace: "if (inner.missing.length < 2) parts.push(...inner.parts);",
  },
  {
    bug: "an empty list is a value, rendered as IN ()",
    file: "render.ts",
    find: "return isNull(value) || (Array.isArray(value) && value.length === 0);",
    replace: "return isNull(value);",
  },
  {
    bug: "the exclusive end of a date-time range is the last day itself",
    file: "render.ts",
    find: "` AND ${col} < `, ph(formatDay(addDays(end, 1)))",
    replace: "` AND ${col} < `, ph(formatDay(end))",
  },
];

const ORACLE_BUGS: Mutation[] = [
  {
    bug: "an optional clause is kept when one of its two tags has no value",
    file: "native-query/substitute.ts",
    find: "if (inner.missing.length === 0) {",
    replace: "if (inner.missing.length < 2) {",
  },
  {
    bug: "an empty list survives the embedding API and renders as IN ()",
    file: "embed-params.ts",
    find: "if (Array.isArray(v)) return v.length === 0 ? null : v;",
    replace: "if (Array.isArray(v)) return v;",
  },
  {
    bug: "the exclusive end of a date-time range is the last day itself",
    file: "native-query/dates.ts",
    find: "plus(asDateTime(range.end), endStep, 1)",
    replace: "plus(asDateTime(range.end), endStep, 0)",
  },
];

/** The test server's files the oracle pipeline needs; none of them reaches outside the folder. */
const ORACLE_FILES = async () => [
  ...(await filesUnder("test/support/metabase-server/native-query")).map((f) => `native-query/${f}`),
  "embed-params.ts",
  "jwt.ts",
  "oracle-kit.ts",
  "renderer.ts",
  "version.ts",
];

interface OracleModule {
  metabaseRenderer: NativeRenderer;
  emptyToNull: OracleKit["emptyToNull"];
  featuresOf: OracleKit["featuresOf"];
}

const NEWEST = PINNED_VERSIONS[PINNED_VERSIONS.length - 1]!;
const major = (tag: string) => Number(tag.split(".")[1]);

async function caught(
  impl: Implementation,
  who: "gateway" | "oracle",
  versions: readonly string[],
  warehouse: Database,
  fields: Map<string, FieldMetadata>,
): Promise<string[]> {
  const caughtBy: string[] = [];
  for (const version of versions) {
    for (const row of CONFORMANCE_ROWS.filter((r: Row) => appliesTo(r, major(version)))) {
      const outcome = await runRow(row, impl, version, warehouse, fields);
      if (disagreement(row, outcome, who) !== undefined) caughtBy.push(`${version} ${row.id}`);
    }
  }
  return caughtBy;
}

describe("Metabase conformance table: planted bugs are caught", function () {
  this.timeout(120_000);
  let warehouse: Database;
  let fields: Map<string, FieldMetadata>;
  let close: () => Promise<void>;

  before(async () => {
    ({ warehouse, fields, close } = await openConformanceWarehouse());
  });
  after(async () => {
    await close?.();
  });

  // The controls: the same copies without a bug agree with every row, so a "caught" below is the bug's doing.
  it("gateway (src/template/): an unchanged copy agrees with every row", async () => {
    const noBug = {
      bug: "none",
      file: "render.ts",
      find: GATEWAY_BUGS[0]!.find,
      replace: GATEWAY_BUGS[0]!.find,
    };
    const copy = await plantBug<TemplateModule>(
      "src/template",
      await filesUnder("src/template"),
      noBug,
      "index.ts",
    );
    try {
      const impl = gatewayImplementation(createGatewayRenderer(copy.module));
      assert.deepEqual(await caught(impl, "gateway", [NEWEST], warehouse, fields), []);
    } finally {
      await copy.dispose();
    }
  });

  it("test server (native-query/): an unchanged copy agrees with every row", async () => {
    const noBug = { ...ORACLE_BUGS[0]!, replace: ORACLE_BUGS[0]!.find };
    const copy = await plantBug<OracleModule>(
      "test/support/metabase-server",
      await ORACLE_FILES(),
      noBug,
      "oracle-kit.ts",
    );
    try {
      const impl = oracleImplementation({ ...copy.module, render: copy.module.metabaseRenderer });
      assert.deepEqual(await caught(impl, "oracle", PINNED_VERSIONS, warehouse, fields), []);
    } finally {
      await copy.dispose();
    }
  });

  for (const mutation of GATEWAY_BUGS) {
    it(`gateway (src/template/): ${mutation.bug}`, async () => {
      const files = await filesUnder("src/template");
      const mutant = await plantBug<TemplateModule>("src/template", files, mutation, "index.ts");
      try {
        const impl = gatewayImplementation(createGatewayRenderer(mutant.module));
        const rows = await caught(impl, "gateway", [NEWEST], warehouse, fields);
        assert.ok(rows.length > 0, "no row of the conformance table catches this bug");
      } finally {
        await mutant.dispose();
      }
    });
  }

  for (const mutation of ORACLE_BUGS) {
    it(`test server (native-query/): ${mutation.bug}`, async () => {
      const mutant = await plantBug<OracleModule>(
        "test/support/metabase-server",
        await ORACLE_FILES(),
        mutation,
        "oracle-kit.ts",
      );
      try {
        const impl = oracleImplementation({ ...mutant.module, render: mutant.module.metabaseRenderer });
        const rows = await caught(impl, "oracle", PINNED_VERSIONS, warehouse, fields);
        assert.ok(rows.length > 0, "no row of the conformance table catches this bug");
      } finally {
        await mutant.dispose();
      }
    });
  }
});
