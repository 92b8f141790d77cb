import assert from "node:assert/strict";
import {
  createLoadMarkerReader,
  LOAD_MARKER_TABLE,
  readLoadMarker,
  SYNTHETIC_SOURCE,
  writeLoadMarker,
} from "../../src/warehouse/load-marker.js";
import { REFERENCE_DATE } from "../../src/warehouse/generate.js";
import { seedWarehouse } from "../../src/warehouse/seed.js";
import { databaseImplementations } from "../support/services.js";

describe("the warehouse's load marker", function () {
  this.timeout(60_000);

  for (const [name, open] of databaseImplementations("loadmarker")) {
    it(`is written by pilotage seed, a new version on every seed, and read back (${name})`, async () => {
      const { db, cleanup } = await open();
      try {
        assert.equal(await readLoadMarker(db), undefined, "no warehouse yet: no marker, no error");
        await seedWarehouse(db, { scale: 0.02 });
        const first = await readLoadMarker(db);
        assert.ok(first);
        assert.equal(first.cutoffDate, REFERENCE_DATE);
        assert.equal(first.source, SYNTHETIC_SOURCE);
        await seedWarehouse(db, { scale: 0.02 });
        const second = await readLoadMarker(db);
        assert.ok(second);
        assert.notEqual(second.dataVersion, first.dataVersion, "same data, new load: a new version");
        assert.equal(
          (await db.query(`SELECT count(*)::int AS n FROM ${LOAD_MARKER_TABLE}`)).rows[0]?.["n"],
          1,
        );

        // The pipeline's documented statement (docs/warehouse.md): the newest load wins.
        await db.query(
          `INSERT INTO entrepot.chargements (version_donnees, date_arret, source) VALUES ('2026-12-01#1', DATE '2026-11-30', 'les emplois de l''inclusion')`,
        );
        assert.deepEqual(
          { ...(await readLoadMarker(db)), loadedAt: undefined },
          {
            dataVersion: "2026-12-01#1",
            cutoffDate: "2026-11-30",
            source: "les emplois de l'inclusion",
            loadedAt: undefined,
          },
        );
      } finally {
        await cleanup();
      }
    });
  }

  it("is read once per interval, one read in flight, and again after the interval or an invalidation", async () => {
    const [, open] = databaseImplementations("loadmarker")[1]!;
    const { db, cleanup } = await open();
    try {
      await db.exec(
        "CREATE SCHEMA entrepot; CREATE TABLE entrepot.chargements (version_donnees text PRIMARY KEY, date_arret date NOT NULL, source text NOT NULL, charge_le timestamptz NOT NULL DEFAULT now())",
      );
      let reads = 0;
      const counting = {
        query: ((...args: Parameters<typeof db.query>) => {
          reads += 1;
          return db.query(...args);
        }) as typeof db.query,
      };
      let clock = 0;
      const reader = createLoadMarkerReader({ warehouse: counting, refreshMs: 1000, now: () => clock });
      await writeLoadMarker(db, { dataVersion: "v1", cutoffDate: "2026-10-31", source: "s" });
      const [a, b] = await Promise.all([reader.current(), reader.current()]);
      assert.equal(reads, 1);
      assert.equal(a?.dataVersion, "v1");
      assert.equal(b?.dataVersion, "v1");
      await writeLoadMarker(db, { dataVersion: "v2", cutoffDate: "2026-11-30", source: "s" });
      clock = 999;
      assert.equal((await reader.current())?.dataVersion, "v1", "within the interval: the value read");
      assert.equal(reads, 1);
      clock = 1000;
      assert.equal((await reader.current())?.dataVersion, "v2", "past the interval: read again");
      assert.equal(reads, 2);
      await writeLoadMarker(db, { dataVersion: "v3", cutoffDate: "2026-12-31", source: "s" });
      reader.invalidate();
      assert.equal((await reader.current())?.dataVersion, "v3");
    } finally {
      await cleanup();
    }
  });
});
