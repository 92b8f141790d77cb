import assert from "node:assert/strict";
import { readAudit, writeAudit, writeAuditIf, type AuditEntry } from "../../src/audit/audit-log.js";
import type { Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { databaseImplementations } from "../support/services.js";

const entry: AuditEntry = {
  action: "embed.token_issued",
  actor: { sub: "sub-1", email: "agent@demo.pilotage.test" },
  profileKind: "ddets",
  organisationId: "institution:1",
  resource: { kind: "dashboard", key: "pass-iae", id: "42" },
  lockedValues: { departement: ["93"] },
  details: { expiresAt: "2026-11-29T10:10:00.000Z" },
  requestId: "req-1",
};

for (const [name, open] of databaseImplementations("audit")) {
  describe(`audit log on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
      await migrate(db);
      await db.exec("CREATE TABLE audit_test_flag (on_ boolean NOT NULL)");
    });
    after(() => cleanup());
    const flag = (n: number) => `EXISTS (SELECT 1 FROM audit_test_flag WHERE on_ = $${n})`;

    it("writes every field of an entry, typed as the table wants them", async () => {
      const id = await writeAudit(db, entry);
      const [row] = await readAudit(db, { limit: 1 });
      assert.equal(row?.id, id);
      assert.deepEqual(
        [row?.actorEmail, row?.resourceId, row?.lockedValues, row?.details, row?.requestId],
        ["agent@demo.pilotage.test", "42", { departement: ["93"] }, entry.details, "req-1"],
      );
    });

    it("writeAuditIf writes the same row only while its condition holds, in one statement", async () => {
      const before = (await readAudit(db)).length;
      assert.equal(await writeAuditIf(db, entry, { sql: flag, params: [true] }), undefined);
      assert.equal((await readAudit(db)).length, before, "nothing written while the condition is false");
      await db.exec("INSERT INTO audit_test_flag VALUES (true)");
      const id = await writeAuditIf(db, { ...entry, requestId: "req-2" }, { sql: flag, params: [true] });
      const [row] = await readAudit(db, { limit: 1 });
      assert.equal(row?.id, id);
      assert.deepEqual([row?.lockedValues, row?.requestId], [{ departement: ["93"] }, "req-2"]);
    });

    it("writeAuditIf still fails closed when the row cannot be written", async () => {
      await db.exec("ALTER TABLE audit_log ADD CONSTRAINT audit_test_refuses CHECK (false) NOT VALID");
      try {
        await assert.rejects(writeAuditIf(db, entry, { sql: flag, params: [true] }), /audit_test_refuses/);
      } finally {
        await db.exec("ALTER TABLE audit_log DROP CONSTRAINT audit_test_refuses");
      }
    });
  });
}
