import assert from "node:assert/strict";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { createTestDatabase, databaseImplementations } from "../support/services.js";

const implementations = databaseImplementations("migr");

for (const [name, open] of implementations) {
  describe(`migrations on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => ({ db, cleanup } = await open()));
    after(() => cleanup());

    it("applies every migration once, and nothing on a second run", async () => {
      const first = await migrate(db);
      assert.ok(first.applied.length > 0);
      assert.equal(first.alreadyApplied, 0);
      const second = await migrate(db);
      assert.deepEqual(second, { applied: [], alreadyApplied: first.applied.length });
      const { rows } = await db.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY name");
      assert.deepEqual(
        rows.map((r) => r.name),
        first.applied,
      );
    });

    it("keeps the audit log append-only", async () => {
      await db.query("INSERT INTO audit_log (action, actor_email) VALUES ('test', 'a@b.fr')");
      await assert.rejects(db.query("UPDATE audit_log SET action = 'changed'"), /append-only/);
      await assert.rejects(db.query("DELETE FROM audit_log"), /append-only/);
      await assert.rejects(db.query("TRUNCATE audit_log"), /append-only/);
      const { rows } = await db.query<{ action: string }>("SELECT action FROM audit_log");
      assert.deepEqual(rows, [{ action: "test" }]);
    });

    it("rolls a failed transaction back", async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO audit_log (action) VALUES ('rolled-back')");
          throw new Error("stop");
        }),
        /stop/,
      );
      const { rows } = await db.query("SELECT 1 FROM audit_log WHERE action = 'rolled-back'");
      assert.equal(rows.length, 0);
    });
  });
}

describe("migrations on Postgres, two gateway processes starting together", () => {
  it("serialises concurrent runs so each migration is applied exactly once", async () => {
    const fresh = await createTestDatabase("migr");
    const a = await openDatabase({ name: "a", url: fresh.url, pgliteDataDir: "memory://" });
    const b = await openDatabase({ name: "b", url: fresh.url, pgliteDataDir: "memory://" });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      assert.equal(ra.applied.length + rb.applied.length, Math.max(ra.applied.length, rb.applied.length));
    } finally {
      await a.close();
      await b.close();
      await fresh.drop();
    }
  });
});
