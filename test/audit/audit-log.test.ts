import assert from "node:assert/strict";
import { readAudit, writeAudit, type AuditEntry } from "../../src/audit/audit-log.js";
import type { Database } from "../../src/storage/database.js";
import { migratedDatabaseImplementations } from "../support/gateway-database.js";

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

for (const [name, open] of migratedDatabaseImplementations("audit")) {
  describe(`audit log on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
    });
    after(() => cleanup());

    it("writes every field of an entry, typed as the table wants them", async () => {
      const id = await writeAudit(db, entry);
      const [row] = await readAudit(db, { limit: 1 });
      assert.equal(row?.id, id);
      assert.deepEqual(
        [row?.actorEmail, row?.resourceId, row?.lockedValues, row?.details, row?.requestId],
        ["agent@demo.pilotage.test", "42", { departement: ["93"] }, entry.details, "req-1"],
      );
    });
  });
}
