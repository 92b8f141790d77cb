import assert from "node:assert/strict";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { warehouseDirectory } from "../../src/perimeter/organisation-directory.js";
import { resolvePlacements } from "../../src/perimeter/placement.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { seedWarehouse } from "../../src/warehouse/seed.js";
import { DOCUMENTED_PROFILES } from "../support/demo-profiles.js";
import { createTestDatabase } from "../support/services.js";

/**
 * The seeded warehouse against the demo accounts' contract (PRODUCT.md §6): each account's claims, looked
 * up in the synthetic warehouse by the real directory and placement rules, land on the documented profile
 * and perimeter.
 */
describe("demo accounts placed on the seeded warehouse", function () {
  this.timeout(60_000);
  let db: Database;
  let drop: () => Promise<void>;

  before(async () => {
    const fresh = await createTestDatabase("whplace");
    drop = fresh.drop;
    db = await openDatabase({ name: "warehouse", url: fresh.url, pgliteDataDir: "memory://" });
    await seedWarehouse(db, { scale: 0.02 });
  });
  after(async () => {
    await db.close();
    await drop();
  });

  async function place(email: string) {
    const account = DEMO_ACCOUNTS.find((a) => a.email === email)!;
    const matches = await warehouseDirectory(db).find({
      siret: account.siret,
      safir: account.custom.structureTravail,
    });
    return resolvePlacements({
      identity: {
        sub: account.uid,
        email,
        siret: account.siret,
        idpId: account.idpId,
        custom: account.custom,
      },
      grants: [],
      matches,
      rules: await loadPlacementRules(PROJECT_ROOT, { demo: true }),
      now: new Date("2026-11-01T00:00:00Z"),
    });
  }

  // Staff come by grant, and the unknown person by nothing: both are checked below.
  const expected = Object.entries(DOCUMENTED_PROFILES).flatMap(([email, documented]) =>
    documented && documented.kind !== "staff" ? [{ email, ...documented }] : [],
  );
  for (const { email, kind, perimeter } of expected) {
    it(`places ${email} as ${kind}`, async () => {
      const result = await place(email);
      assert.equal(result.refusal, null);
      assert.deepEqual(
        result.placements.map((p) => ({ kind: p.kind, perimeter: p.perimeter })),
        [{ kind, perimeter }],
      );
    });
  }

  it("knows neither the unknown organisation nor the staff one (staff come by grant)", async () => {
    assert.equal((await place("inconnu@demo.pilotage.test")).refusal, "unknown_organisation");
    assert.equal((await place("admin@demo.pilotage.test")).refusal, "unknown_organisation");
  });
});
