import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import supertest from "supertest";
import { createApp } from "../../src/app.js";
import { exportBuffered } from "../../src/questions/buffered-export.js";
import { ExportError } from "../../src/questions/export-error.js";
import { CSV_DIALECTS } from "../../src/questions/csv-dialect.js";
import { streamCsv, streamJson, type StreamLimits } from "../../src/questions/stream.js";
import { streamXlsx, type XlsxShape } from "../../src/questions/xlsx-export.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { ensureDemoWarehouse } from "../../src/warehouse/seed.js";
import { openTestStack, type TestStack } from "../support/app.js";
import { WAREHOUSE_TEST_SCALE } from "../support/root-hooks.js";
import { createTestDatabase } from "../support/services.js";
import { readWorkbook, sheetValues } from "../support/xlsx.js";

/**
 * The demo's export path (PGlite has no pool, so no COPY TO STDOUT and no cursor): it must write the
 * same bytes as the streaming path on Postgres, and the demo's gateway must serve exports with it.
 */

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

const LIMITS: StreamLimits = { rowCap: 1000, statementTimeoutMs: 5000 };

const TABLE = `
  CREATE TABLE t (
    id int, gros bigint, departement varchar(3), code char(3), nom text, debut date, vu timestamp,
    montant numeric(10, 2), ratio double precision, actif boolean, infos jsonb, codes text[]
  );
  INSERT INTO t VALUES
    (1, 9007199254740993, '93', '11', 'Île "Saint-Denis", nord', '2026-01-15', '2026-01-15 08:30:00', 12.50, 0.1, true, '{"a": [1, "é"]}', ARRAY['a', 'b c']),
    (2, NULL, '93', '1', E'deux\\nlignes', '2026-03-01', NULL, 3, NULL, false, NULL, ARRAY[]::text[]),
    (3, -1, '75', NULL, '', '2025-12-31', '2025-12-31 23:59:59.5', NULL, 1e300, NULL, '[]', NULL),
    (4, 0, '2A', 'x', E'\\\\.', '2024-02-29', '2024-02-29 00:00:00', -0.5, -2.5, true, '"texte"', ARRAY['"q"']);
  CREATE TYPE humeur AS ENUM ('-moins', '=egal', 'ok');
  CREATE TABLE f (
    id int, texte text, court varchar(10), code char(4), nom name, humeur humeur, doc jsonb, duree interval,
    montant numeric, reel double precision, entier int, jour date, moment timestamp
  );
  INSERT INTO f VALUES
    (1, '=1+1', '+33', '-ab', '@nom', '-moins', '-5', '-1 day', -1.5, -0.25, -7, '0044-03-15 BC', '2026-01-15 08:30:00.123'),
    (2, E'\\tx', E'\\rx', '=x', 'ok', '=egal', '"=x"', '1 day', 1234567.891, 1e-7, 0, 'infinity', '-infinity'),
    (3, 'ok;ok', NULL, NULL, NULL, 'ok', NULL, NULL, NULL, 'NaN', NULL, '10000-01-01', NULL),
    (4, '', '', '    ', '', NULL, '[]', '00:00:00', 0, 'Infinity', 2147483647, '2026-02-28', '2026-02-28 23:59:59');`;

const QUERIES = [
  { sql: "SELECT * FROM t WHERE id > $1 ORDER BY id", values: [0] },
  {
    sql: `SELECT nom AS "Nom, complet", nom, id AS nom FROM t WHERE departement IN ($1, $2) ORDER BY id`,
    values: ["93", "2A"],
  },
  { sql: "SELECT nom FROM t ORDER BY id", values: [] },
  { sql: "SELECT id FROM t WHERE false", values: [] },
  { sql: "SELECT * FROM f WHERE id > $1 ORDER BY id", values: [0] },
];

async function exportBytes(run: (out: PassThrough) => Promise<number>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await run(out);
  return Buffer.concat(chunks);
}

const XLSX: XlsxShape = {
  described: [],
  about: (rows) => [{ label: "Lignes exportées", value: rows }],
  wallClock: { year: 2026, month: 5, day: 4, hour: 9, minute: 30, second: 0 },
};

async function exportText(
  run: (out: PassThrough) => Promise<number>,
): Promise<{ rows: number; text: string }> {
  const out = sink();
  const rows = await run(out.stream);
  return { rows, text: out.text() };
}

describe("exports without a pool (the demo's PGlite)", function () {
  // PGlite starts in this process: slow on a busy machine.
  this.timeout(60_000);
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let postgres: Database;
  let pglite: Database;
  before(async () => {
    fresh = await createTestDatabase("export_buffered");
    postgres = await openDatabase({ name: "warehouse", url: fresh.url, pgliteDataDir: "memory://" });
    pglite = await openDatabase({ name: "warehouse", url: undefined, pgliteDataDir: "memory://" });
    await postgres.exec(TABLE);
    await pglite.exec(TABLE);
  });
  after(async () => {
    await Promise.all([postgres.close(), pglite.close()]);
    await fresh.drop();
  });

  it("writes the very bytes the streaming path writes on Postgres, in both formats", async () => {
    for (const query of QUERIES) {
      const streamedCsv = await exportText((out) => streamCsv(postgres.pool!, query, out, LIMITS));
      const streamedJson = await exportText((out) => streamJson(postgres.pool!, query, out, LIMITS));
      for (const db of [postgres, pglite]) {
        const csv = await exportText((out) => exportBuffered(db, query, { format: "csv" }, out, LIMITS));
        assert.deepEqual(csv, streamedCsv, `${db.kind}: ${query.sql}`);
        const json = await exportText((out) => exportBuffered(db, query, { format: "json" }, out, LIMITS));
        assert.deepEqual(json, streamedJson, `${db.kind}: ${query.sql}`);
      }
    }
  });

  it("writes the same bytes in every CSV dialect (each rule in SQL and in TypeScript) and in XLSX", async () => {
    for (const query of QUERIES) {
      for (const dialect of CSV_DIALECTS) {
        const csv = { dialect, described: [] };
        const streamed = await exportText((out) =>
          streamCsv(postgres.pool!, query, out, LIMITS, undefined, csv),
        );
        for (const db of [postgres, pglite]) {
          const buffered = await exportText((out) =>
            exportBuffered(db, query, { format: "csv", csv }, out, LIMITS),
          );
          assert.deepEqual(buffered, streamed, `${db.kind} ${dialect}: ${query.sql}`);
        }
      }
      const streamed = await exportBytes((out) =>
        streamXlsx(postgres.pool!, query, out, LIMITS, undefined, XLSX),
      );
      for (const db of [postgres, pglite]) {
        const buffered = await exportBytes((out) =>
          exportBuffered(db, query, { format: "xlsx", xlsx: XLSX }, out, LIMITS),
        );
        assert.ok(buffered.equals(streamed), `${db.kind} xlsx: ${query.sql}`);
      }
    }
  });

  it("writes each type as the French dialect and XLSX expect it", async () => {
    const query = { sql: "SELECT * FROM f ORDER BY id", values: [] };
    const french = await exportText((out) =>
      streamCsv(postgres.pool!, query, out, LIMITS, undefined, { dialect: "excel-fr", described: [] }),
    );
    assert.equal(
      french.text,
      "\uFEFFid;texte;court;code;nom;humeur;doc;duree;montant;reel;entier;jour;moment\n" +
        "1;'=1+1;'+33;'-ab ;'@nom;'-moins;'-5;'-1 days;-1,5;-0,25;-7;0044-03-15 BC;15/01/2026 08:30:00\n" +
        '2;\'\tx;"\'\rx";\'=x  ;ok;\'=egal;"""=x""";1 day;1234567,891;1e-07;0;infinity;-infinity\n' +
        '3;"ok;ok";;;;ok;;;;NaN;;01/01/10000;\n' +
        '4;"";"";    ;"";;[];00:00:00;0;Infinity;2147483647;28/02/2026;28/02/2026 23:59:59\n',
    );
    const workbook = await readWorkbook(
      await exportBytes((out) => streamXlsx(postgres.pool!, query, out, LIMITS, undefined, XLSX)),
    );
    assert.deepEqual(sheetValues(workbook.getWorksheet("Données")!).slice(1), [
      [
        1,
        "=1+1",
        "+33",
        "-ab ",
        "@nom",
        "-moins",
        "-5",
        "-1 days",
        -1.5,
        -0.25,
        -7,
        "0044-03-15 BC",
        new Date(Date.UTC(2026, 0, 15, 8, 30, 0, 123)),
      ],
      [
        2,
        "\tx",
        "\rx",
        "=x  ",
        "ok",
        "=egal",
        '"=x"',
        "1 day",
        1234567.891,
        1e-7,
        0,
        "infinity",
        "-infinity",
      ],
      [3, "ok;ok", null, null, null, "ok", null, null, null, "NaN", null, "10000-01-01", null],
      [
        4,
        null,
        null,
        "    ",
        null,
        null,
        "[]",
        "00:00:00",
        0,
        "Infinity",
        2147483647,
        new Date(Date.UTC(2026, 1, 28)),
        new Date(Date.UTC(2026, 1, 28, 23, 59, 59)),
      ],
    ]);
  });

  it("refuses more rows than the cap before writing anything, and several statements", async () => {
    for (const format of ["csv", "json"] as const) {
      const out = sink();
      await assert.rejects(
        exportBuffered(pglite, { sql: "SELECT id FROM t", values: [] }, { format }, out.stream, {
          ...LIMITS,
          rowCap: 3,
        }),
        (e: unknown) => e instanceof ExportError && e.reason === "row_cap",
      );
      assert.equal(out.text(), "");
    }
    await assert.rejects(
      exportBuffered(
        pglite,
        { sql: "SELECT 1; DROP TABLE t", values: [] },
        { format: "csv" },
        sink().stream,
        LIMITS,
      ),
      (e: unknown) => e instanceof ExportError && e.reason === "query_failed",
    );
    assert.equal((await pglite.query("SELECT count(*)::int AS n FROM t")).rows[0]!.n, 4);
  });

  it("stops when the reader goes away mid-file, rather than waiting for it forever", async () => {
    const many = {
      sql: "SELECT g, repeat(md5(g::text), 4) AS texte FROM generate_series(1, 20000) g",
      values: [],
    };
    for (const target of [{ format: "csv" }, { format: "xlsx", xlsx: XLSX }] as const) {
      const out = new PassThrough({ highWaterMark: 16 });
      out.once("data", () => out.pause());
      setTimeout(() => out.destroy(), 200);
      await assert.rejects(
        exportBuffered(pglite, many, target, out, { rowCap: 100_000, statementTimeoutMs: 5000 }),
        (e: unknown) => e instanceof ExportError && e.reason === "aborted",
        target.format,
      );
    }
  });

  it("runs read-only", async () => {
    await assert.rejects(
      exportBuffered(
        pglite,
        { sql: "WITH gone AS (DELETE FROM t RETURNING id) SELECT id FROM gone", values: [] },
        { format: "csv" },
        sink().stream,
        LIMITS,
      ),
      (e: unknown) => e instanceof ExportError && e.reason === "query_failed",
    );
    assert.equal((await pglite.query("SELECT count(*)::int AS n FROM t")).rows[0]!.n, 4);
  });
});

describe("the demo gateway exports from its PGlite warehouse", function () {
  this.timeout(120_000);
  let stack: TestStack;
  let demoWarehouse: Database;
  before(async () => {
    stack = await openTestStack({ redis: "none" });
    demoWarehouse = await openDatabase({ name: "warehouse", url: undefined, pgliteDataDir: "memory://" });
    // The same seed and scale as the test warehouse on Postgres: the same rows.
    await ensureDemoWarehouse(demoWarehouse, { scale: WAREHOUSE_TEST_SCALE });
  });
  after(async () => {
    await demoWarehouse.close();
    await stack.close();
  });

  it("answers the same CSV and JSON as the gateway on Postgres", async () => {
    const onPostgres = supertest(createApp(stack.deps));
    const onPglite = supertest(createApp({ ...stack.deps, warehouse: demoWarehouse }));
    for (const url of [
      "/api/questions/public/structures-par-type-et-departement/data?format=csv&departement=93&departement=33",
      "/api/questions/public/etp-conventionnes-par-departement/data?format=json&annee=2025",
    ]) {
      const [expected, actual] = await Promise.all([
        onPostgres.get(url).buffer(true),
        onPglite.get(url).buffer(true),
      ]);
      assert.equal(actual.status, 200, url);
      assert.equal(actual.headers["content-type"], expected.headers["content-type"]);
      assert.equal(actual.headers["content-disposition"], expected.headers["content-disposition"]);
      const body = (r: supertest.Response) => (Buffer.isBuffer(r.body) ? r.body.toString("utf8") : r.text);
      assert.ok(body(expected).length > 100, url);
      assert.equal(body(actual), body(expected), url);
    }
  });
});
