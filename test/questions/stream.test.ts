import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import pg from "pg";
import { ExportError, UTF8_BOM } from "../../src/questions/export-error.js";
import { placeholderPositions } from "../../src/questions/sql-statements.js";
import { streamCsv, streamJson } from "../../src/questions/stream.js";
import { streamXlsx, type XlsxShape } from "../../src/questions/xlsx-export.js";

const XLSX: XlsxShape = {
  described: [],
  about: () => [],
  wallClock: { year: 2026, month: 5, day: 4, hour: 9, minute: 30, second: 0 },
};
const streamXlsxTo: typeof streamJson = (pool, query, out, limits, onStart) =>
  streamXlsx(pool, query, out, limits, onStart, XLSX);
import { createTestDatabase } from "../support/services.js";

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

const LIMITS = { rowCap: 1000, statementTimeoutMs: 5000 };

describe("placeholder positions", () => {
  it("finds $n in SQL but not inside literals, identifiers, comments or dollar quotes", () => {
    const sql = `SELECT '$1', "$2", $$ $3 $$, $tag$ $4 $tag$ -- $5\n/* $6 */ FROM t WHERE a = $1 AND b IN ($2, $3) AND c$4 = 1`;
    assert.deepEqual(
      placeholderPositions(sql).map((p) => p.index),
      [1, 2, 3],
    );
  });
});

describe("streaming exports from Postgres", () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  before(async () => {
    fresh = await createTestDatabase("export");
    pool = new pg.Pool({ connectionString: fresh.url, max: 3 });
    await pool.query(`
      CREATE TABLE t (id int, departement varchar(3), nom text, debut date, montant numeric(10,2));
      INSERT INTO t VALUES
        (1, '93', 'Île "Saint-Denis", nord', '2026-01-15', 12.50),
        (2, '93', E'deux\\nlignes', '2026-03-01', 3),
        (3, '75', 'Paris', '2026-01-20', 7),
        (4, '2A', 'Ajaccio', '2025-12-31', 1);`);
  });
  after(async () => {
    await pool.end();
    await fresh.drop();
  });

  const query = {
    sql: `SELECT id, nom, debut, montant FROM t WHERE departement IN ($1, $2) AND debut >= $3 AND id > $4 ORDER BY id`,
    values: ["93", "2A", "2026-01-01", 0],
  };

  it("writes CSV with a BOM and a header, with bound values of every type", async () => {
    const out = sink();
    const rows = await streamCsv(pool, query, out.stream, LIMITS);
    assert.equal(rows, 2);
    assert.equal(
      out.text(),
      `${UTF8_BOM}id,nom,debut,montant\n1,"Île ""Saint-Denis"", nord",2026-01-15,12.50\n2,"deux\nlignes",2026-03-01,3.00\n`,
    );
  });

  it("never lets a value change the query (no injection through a parameter)", async () => {
    const out = sink();
    const rows = await streamCsv(
      pool,
      { sql: "SELECT id FROM t WHERE departement = $1 ORDER BY id", values: ["93' OR '1'='1"] },
      out.stream,
      LIMITS,
    );
    assert.equal(rows, 0);
    assert.equal(out.text(), `${UTF8_BOM}id\n`);
  });

  it("writes JSON with columns, rows and a completion flag", async () => {
    const out = sink();
    const rows = await streamJson(pool, query, out.stream, LIMITS);
    assert.equal(rows, 2);
    const parsed = JSON.parse(out.text());
    assert.deepEqual(parsed.columns, ["id", "nom", "debut", "montant"]);
    assert.equal(parsed.rows.length, 2);
    assert.deepEqual(parsed.rows[0].slice(0, 2), [1, 'Île "Saint-Denis", nord']);
    assert.equal(parsed.complete, true);
    assert.equal(parsed.row_count, 2);
  });

  it("writes an empty but complete result", async () => {
    const out = sink();
    assert.equal(
      await streamJson(pool, { sql: "SELECT id FROM t WHERE false", values: [] }, out.stream, LIMITS),
      0,
    );
    assert.deepEqual(JSON.parse(out.text()), { columns: ["id"], rows: [], complete: true, row_count: 0 });
  });

  it("fails past the row cap instead of cutting the file silently", async () => {
    const csv = sink();
    await assert.rejects(
      streamCsv(pool, { sql: "SELECT id FROM t ORDER BY id", values: [] }, csv.stream, {
        ...LIMITS,
        rowCap: 2,
      }),
      (error: unknown) => error instanceof ExportError && error.reason === "row_cap",
    );
    const json = sink();
    await assert.rejects(
      streamJson(pool, { sql: "SELECT id FROM t ORDER BY id", values: [] }, json.stream, {
        ...LIMITS,
        rowCap: 2,
      }),
      (error: unknown) => error instanceof ExportError && error.reason === "row_cap",
    );
    assert.equal(JSON.parse(json.text()).complete, false);
    await assert.rejects(
      streamXlsxTo(pool, { sql: "SELECT id FROM t ORDER BY id", values: [] }, sink().stream, {
        ...LIMITS,
        rowCap: 2,
      }),
      (error: unknown) => error instanceof ExportError && error.reason === "row_cap",
    );
  });

  it("ends on the statement timeout with an explicit error", async () => {
    const slow = {
      sql: "SELECT g, pg_sleep(0.002) FROM generate_series(1, 100000) g WHERE g > $1",
      values: [0],
    };
    const csv = sink();
    await assert.rejects(
      streamCsv(pool, slow, csv.stream, { rowCap: 1_000_000, statementTimeoutMs: 300 }),
      (error: unknown) => error instanceof ExportError && error.reason === "timeout",
    );
    // Before the first row: nothing written, the caller can still answer with an error status.
    const early = sink();
    await assert.rejects(
      streamJson(pool, slow, early.stream, { rowCap: 1_000_000, statementTimeoutMs: 300 }),
      (error: unknown) => error instanceof ExportError && error.reason === "timeout",
    );
    assert.equal(early.text(), "");
    // After rows went out: the document says it is incomplete.
    const late = {
      sql: "SELECT g, CASE WHEN g > 600 THEN pg_sleep(0.01) END AS s FROM generate_series(1, 100000) g WHERE g > $1",
      values: [0],
    };
    const json = sink();
    await assert.rejects(
      streamJson(pool, late, json.stream, { rowCap: 1_000_000, statementTimeoutMs: 1000 }),
      (error: unknown) => error instanceof ExportError && error.reason === "timeout",
    );
    const parsed = JSON.parse(json.text());
    assert.ok(parsed.rows.length >= 500);
    assert.equal(parsed.complete, false);
    assert.match(parsed.error, /temps maximal/);
    // The pool stays usable after an interrupted COPY.
    assert.equal((await pool.query("SELECT 1 AS ok")).rows[0].ok, 1);
  });
});

describe("streaming exports: the review's cases", () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  before(async () => {
    fresh = await createTestDatabase("export2");
    pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
    await pool.query(`
      CREATE TABLE t (id int, departement varchar(3), code_region char(2), debut date);
      INSERT INTO t VALUES (1, '93', '11', '2026-01-15'), (2, '75', '11', '2026-02-01'), (3, '69', '84', '2026-03-01');`);
  });
  after(async () => {
    await pool.end();
    await fresh.drop();
  });

  const csv = async (sql: string, values: unknown[]) => {
    const out = sink();
    const rows = await streamCsv(pool, { sql, values }, out.stream, LIMITS);
    return { rows, text: out.text() };
  };

  it("refuses, never exports, when Postgres does not see a placeholder the renderer bound", async () => {
    for (const sql of [
      `SELECT id FROM t /* /* */ WHERE departement IN ($1) */ ORDER BY id`,
      `SELECT id, departement AS "Département d'origine" FROM t\n-- WHERE departement IN ($1)\nORDER BY id`,
      `SELECT id FROM t WHERE departement IN ($1) AND id > 0 -- AND code_region = $2`,
    ]) {
      const values = sql.includes("$2") ? ["93", "11"] : ["93"];
      await assert.rejects(
        csv(sql, values),
        (e: unknown) => e instanceof ExportError && e.reason === "query_failed",
        sql,
      );
    }
  });

  it("refuses several statements", async () => {
    await assert.rejects(
      csv("SELECT id FROM t WHERE departement = $1; COMMIT; CREATE TABLE pwned AS SELECT 1", ["93"]),
      (e: unknown) => e instanceof ExportError && e.reason === "query_failed",
    );
    const { rows } = await pool.query("SELECT to_regclass('pwned') AS t");
    assert.equal(rows[0].t, null);
  });

  it("agrees with JSON on char(n) columns, NULL values and dates", async () => {
    const sql =
      "SELECT id, debut FROM t WHERE code_region = $1 AND (departement IN ($2, $3) OR $4::text IS NULL) ORDER BY id";
    const values = ["11", "93", "75", null];
    const fromCsv = await csv(sql, values);
    assert.equal(fromCsv.text, `${UTF8_BOM}id,debut\n1,2026-01-15\n2,2026-02-01\n`);
    const out = sink();
    await streamJson(pool, { sql, values }, out.stream, LIMITS);
    assert.deepEqual(JSON.parse(out.text()).rows, [
      [1, "2026-01-15"],
      [2, "2026-02-01"],
    ]);
  });

  it("sends nothing when the step before the first byte fails (the audit, fail closed)", async () => {
    for (const stream of [streamCsv, streamJson, streamXlsxTo]) {
      const out = sink();
      await assert.rejects(
        stream(pool, { sql: "SELECT id FROM t", values: [] }, out.stream, LIMITS, async () => {
          throw new Error("audit unavailable");
        }),
        /La requête a échoué|audit unavailable/,
      );
      assert.equal(out.text(), "");
    }
  });

  it("gives the connection back when the client goes away or stops reading", async () => {
    const big = {
      sql: "SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g WHERE g > $1",
      values: [0],
    };
    const gone = new PassThrough();
    setTimeout(() => gone.destroy(), 50);
    await assert.rejects(
      streamJson(pool, big, gone, { rowCap: 1_000_000, statementTimeoutMs: 5000 }),
      (e: unknown) => e instanceof ExportError && e.reason === "aborted",
    );
    const xlsxGone = new PassThrough();
    setTimeout(() => xlsxGone.destroy(), 50);
    await assert.rejects(
      streamXlsxTo(pool, big, xlsxGone, { rowCap: 1_000_000, statementTimeoutMs: 5000 }),
      (e: unknown) => e instanceof ExportError && e.reason === "aborted",
    );
    for (const stream of [streamCsv, streamXlsxTo]) {
      const stalled = new PassThrough({ highWaterMark: 1024 });
      const started = Date.now();
      await assert.rejects(
        stream(pool, big, stalled, { rowCap: 1_000_000, statementTimeoutMs: 300, deadlineMs: 600 }),
        (e: unknown) => e instanceof ExportError && e.reason === "timeout",
      );
      assert.ok(Date.now() - started < 3000);
      // Back-pressure held: what waits for the reader is a few buffers, not the 200,000 rows.
      assert.ok(stalled.readableLength < 1_000_000, `${stalled.readableLength} bytes held`);
    }
    assert.equal(pool.totalCount - pool.idleCount, 0, "no connection left checked out");
    assert.equal((await pool.query("SELECT 1 AS ok")).rows[0].ok, 1);
  });
});
