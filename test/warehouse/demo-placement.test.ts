import assert from "node:assert/strict";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { warehouseDirectory } from "../../src/perimeter/organisation-directory.js";
import { resolvePlacements } from "../../src/perimeter/placement.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import type { Database } from "../../src/storage/database.js";
import { seedWarehouse } from "../../src/warehouse/seed.js";
import { DOCUMENTED_PROFILES } from "../support/demo-profiles.js";
import { openFreshWarehouse } from "../support/warehouse-database.js";

/**
 * The seeded warehouse against the demo accounts' contract (PRODUCT.md §6): each account's claims, looked
 * up in the synthetic warehouse by the real directory and placement rules, land on the documented profile
 * and perimeter — by production's own rules (the accounts are members of their organisations), the demo
 * adding only its France Travail identity provider.
 */
describe("demo accounts placed on the seeded warehouse", function () {
  this.timeout(60_000);
  let db: Database;
  let drop: () => Promise<void>;

  before(async () => {
    ({ db, drop } = await openFreshWarehouse("whplace"));
    await seedWarehouse(db, { scale: 0.02 });
  });
  after(async () => {
    await db.close();
    await drop();
  });

  async function place(email: string, options: { demo: boolean } = { demo: true }) {
    const account = DEMO_ACCOUNTS.find((a) => a.email === email)!;
    const { matches, memberships } = await warehouseDirectory(db).find({
      siret: account.siret,
      safir: account.custom.structureTravail,
      email,
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
      memberships,
      rules: await loadPlacementRules(PROJECT_ROOT, options),
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

  it("places them alike on production's rules, but France Travail's, whose demo provider only the demo trusts", async () => {
    for (const { email, kind, perimeter } of expected) {
      const result = await place(email, { demo: false });
      assert.deepEqual(
        kind === "france_travail"
          ? result
          : result.placements.map((p) => ({ kind: p.kind, perimeter: p.perimeter })),
        kind === "france_travail"
          ? { placements: [], refusal: "untrusted_identity_provider" }
          : [{ kind, perimeter }],
        email,
      );
    }
  });

  it("knows neither the unknown organisation nor the staff one (staff come by grant)", async () => {
    assert.equal((await place("inconnu@demo.pilotage.test")).refusal, "unknown_organisation");
    assert.equal((await place("admin@demo.pilotage.test")).refusal, "unknown_organisation");
  });
});
