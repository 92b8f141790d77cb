import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import pg from "pg";
import { DependencyError } from "../../src/errors.js";
import { exportBuffered } from "../../src/questions/buffered-export.js";
import { ExportError } from "../../src/questions/export-error.js";
import { streamCsv, streamJson } from "../../src/questions/stream.js";
import { streamXlsx, type XlsxShape } from "../../src/questions/xlsx-export.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { createTestDatabase } from "../support/services.js";

const XLSX: XlsxShape = {
  described: [],
  about: () => [],
  wallClock: { year: 2026, month: 5, day: 4, hour: 9, minute: 30, second: 0 },
};
const LIMITS = { rowCap: 1000, statementTimeoutMs: 5000, waitMs: 2000 };

/** The export's own connection ends under it, as when the warehouse restarts mid-export (57P01). */
const GOES_AWAY = { sql: "SELECT pg_terminate_backend(pg_backend_pid()) AS fin", values: [] };
const TOO_SLOW = { sql: "SELECT pg_sleep(5) AS fin", values: [] };

/**
 * How an export fails, on every path: a warehouse that goes away is a dependency failure (503 with
 * Retry-After, docs/failure-policy.md), never a 500 and never the export's refusal of a value; a query over
 * its statement timeout stays the export's 422.
 */
describe("exports when the warehouse fails (issue 21 with issue 17's formats)", () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let db: Database;
  before(async () => {
    fresh = await createTestDatabase("export_failures");
    pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
    pool.on("error", () => {});
    db = await openDatabase({ url: fresh.url, pgliteDataDir: "", name: "warehouse" });
  });
  after(async () => {
    await pool.end();
    await db.close();
    await fresh.drop();
  });

  const paths = {
    csv: (query: typeof GOES_AWAY, limits = LIMITS) =>
      streamCsv(pool, query, new PassThrough(), limits, undefined, { dialect: "excel-fr", described: [] }),
    json: (query: typeof GOES_AWAY, limits = LIMITS) => streamJson(pool, query, new PassThrough(), limits),
    xlsx: (query: typeof GOES_AWAY, limits = LIMITS) =>
      streamXlsx(pool, query, new PassThrough(), limits, undefined, XLSX),
    "buffered csv": (query: typeof GOES_AWAY, limits = LIMITS) =>
      exportBuffered(db, query, { format: "csv" }, new PassThrough(), limits),
    "buffered xlsx": (query: typeof GOES_AWAY, limits = LIMITS) =>
      exportBuffered(db, query, { format: "xlsx", xlsx: XLSX }, new PassThrough(), limits),
  };

  for (const [path, run] of Object.entries(paths)) {
    it(`${path}: a warehouse that goes away is a 503 dependency_unavailable with Retry-After`, async () => {
      const error: unknown = await run(GOES_AWAY).then(
        () => assert.fail("the export succeeded"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof DependencyError, `${String(error)} is not a DependencyError`);
      assert.deepEqual(
        {
          status: error.status,
          code: error.code,
          dependency: error.dependency,
          retryAfterSeconds: error.retryAfterSeconds,
        },
        {
          status: 503,
          code: "dependency_unavailable",
          dependency: { name: "warehouse", failure: "unavailable" },
          retryAfterSeconds: 5,
        },
      );
    });

    // The buffered path is the demo's (PGlite, which cannot interrupt a query); over a Postgres Database,
    // as here, the storage layer already reports the server's cancel as a timeout of the warehouse.
    if (path.startsWith("buffered")) continue;
    it(`${path}: a query over its statement timeout stays the export's 422`, async () => {
      const error: unknown = await run(TOO_SLOW, { ...LIMITS, statementTimeoutMs: 100 }).then(
        () => assert.fail("the export succeeded"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ExportError, `${String(error)} is not an ExportError`);
      assert.deepEqual(
        { status: error.status, code: error.code, reason: error.reason },
        { status: 422, code: "export_timeout", reason: "timeout" },
      );
    });
  }
});
