import assert from "node:assert/strict";
import type { Dashboard } from "../../src/catalog/index.js";
import { dashboardHeading, hubSections } from "../../src/dashboards/dashboard-pages.js";
import { createMetabaseStatus } from "../../src/dashboards/metabase-status.js";
import { testContent } from "../support/app.js";

function dashboard(key: string): Promise<Dashboard> {
  return testContent().then(({ catalog }) => catalog.dashboards.find((d) => d.key === key)!);
}

describe("dashboard page logic (issue 8)", () => {
  describe("headings and the hub", () => {
    it("puts the territory after the title, never on a public dashboard", async () => {
      const pass = await dashboard("pass-iae");
      assert.equal(
        dashboardHeading(pass, { departements: ["93"], region: "11" }),
        "PASS IAE — 93 - Seine-Saint-Denis",
      );
      assert.equal(
        dashboardHeading(pass, {
          departements: ["75", "77", "78", "91", "92", "93", "94", "95"],
          region: "11",
        }),
        "PASS IAE — Île-de-France",
      );
      const open = await dashboard("structures-par-type-et-departement");
      assert.equal(dashboardHeading(open, { departements: ["93"] }), open.title);
    });

    it("groups nothing for a profile without dashboards, and only openable ones otherwise", async () => {
      const { catalog } = await testContent();
      assert.deepEqual(hubSections(catalog, null), []);
      const employer = hubSections(catalog, { kind: "employeur_siae", perimeter: { structures: [1001] } });
      assert.deepEqual(
        employer.map((s) => [s.theme, s.dashboards.map((d) => d.key)]),
        [["Recrutement", ["mes-structures"]]],
      );
      const emptyPerimeter = hubSections(catalog, { kind: "employeur_siae", perimeter: { structures: [] } });
      assert.deepEqual(emptyPerimeter, [], "an empty perimeter opens nothing (never everything)");
    });
  });

  describe("Metabase status", () => {
    it("caches the answer briefly, shares one probe in flight, and treats a failing probe as down", async () => {
      let clock = 0;
      let probes = 0;
      let up: boolean | null = true;
      const status = createMetabaseStatus({
        probe: async () => {
          probes++;
          if (up === null) throw new Error("boom");
          return up;
        },
        upTtlMs: 100,
        downTtlMs: 10,
        now: () => clock,
      });
      assert.deepEqual(await Promise.all([status.available(), status.available()]), [true, true]);
      assert.equal(probes, 1);
      clock = 50;
      assert.equal(await status.available(), true);
      assert.equal(probes, 1);
      clock = 101;
      up = false;
      assert.equal(await status.available(), false);
      assert.equal(probes, 2);
      clock = 112;
      up = null;
      assert.equal(await status.available(), false);
      assert.equal(probes, 3);
    });
  });
});
