import assert from "node:assert/strict";
import {
  clearVerified,
  markVerified,
  readStoredObjects,
  recordApplied,
  recordBinding,
  verifiedDashboardId,
} from "../../src/metabase/object-map.js";
import type { Database } from "../../src/storage/database.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";

describe("metabase_objects: the key → id mapping and verified lock contracts", () => {
  let fresh: MigratedGateway;
  let db: Database;
  before(async () => {
    fresh = await openMigratedGateway("objmap");
    ({ db } = fresh);
  });
  after(async () => {
    await db.close();
    await fresh.drop();
  });

  const dashboard = (metabaseId: number) => ({
    model: "dashboard" as const,
    key: "territoire",
    metabaseId,
    entityId: "dash-entity-000000001",
    contentVersion: "v1",
    embeddingParams: { departement: "locked" },
  });

  it("answers an id only for a dashboard verified for exactly that content version", async () => {
    await recordBinding(db, dashboard(10));
    assert.equal(await verifiedDashboardId(db, "territoire", "v1"), undefined);
    await markVerified(db, "territoire", "v1");
    assert.equal(await verifiedDashboardId(db, "territoire", "v1"), 10);
    assert.equal(await verifiedDashboardId(db, "territoire", "v2"), undefined);
    assert.equal(await verifiedDashboardId(db, "inconnu", "v1"), undefined);
    assert.equal(await clearVerified(db, "territoire"), true);
    assert.equal(await verifiedDashboardId(db, "territoire", "v1"), undefined);
    assert.equal(await clearVerified(db, "territoire"), false);
  });

  it("keeps the verification when the same object is recorded again, forgets it when the key moves to another id", async () => {
    await markVerified(db, "territoire", "v1");
    await recordApplied(db, { ...dashboard(10), appliedFingerprint: "f1", remoteMarker: "m1" });
    assert.equal(await verifiedDashboardId(db, "territoire", "v1"), 10);
    await recordBinding(db, dashboard(11));
    assert.equal(await verifiedDashboardId(db, "territoire", "v1"), undefined);
    const [row] = await readStoredObjects(db);
    assert.deepEqual(
      { ...row, appliedAt: undefined },
      {
        model: "dashboard",
        key: "territoire",
        metabaseId: 11,
        entityId: "dash-entity-000000001",
        contentVersion: "v1",
        embeddingParams: { departement: "locked" },
        verifiedAt: null,
        verifiedVersion: null,
        appliedAt: undefined,
        appliedFingerprint: null,
        remoteMarker: null,
      },
    );
  });
});
