import assert from "node:assert/strict";
import type { Dashboard } from "../../src/catalog/index.js";
import {
  cardValues,
  dashboardHeading,
  exportHref,
  hubSections,
  readFilterChoice,
  withChoice,
} from "../../src/dashboards/dashboard-pages.js";
import { createMetabaseStatus } from "../../src/dashboards/metabase-status.js";
import { testContent } from "../support/app.js";

const TODAY = { year: 2026, month: 11, day: 29 };

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

  describe("editable filters", () => {
    it("ignores locked and unknown names, parses types, and reports what it cannot read", async () => {
      const d = await dashboard("candidatures-recues-par-les-siae");
      const choice = readFilterChoice(
        d,
        { departement: "13", periode: "past3months", type_structure: "ACI, EI", inconnu: "x" },
        TODAY,
      );
      assert.deepEqual(choice.values, { periode: "past3months", type_structure: ["ACI", "EI"] });
      assert.deepEqual(choice.errors, []);
      assert.deepEqual(cardValues(choice, { departement: ["93"] }), {
        periode: "past3months",
        type_structure: ["ACI", "EI"],
        departement: ["93"],
      });
      const bad = readFilterChoice(d, { periode: "the-old-days" }, TODAY);
      assert.deepEqual(bad.values, {});
      assert.equal(bad.errors[0]?.slug, "periode");
      const etp = await dashboard("etp-conventionnes-et-realises");
      assert.deepEqual(readFilterChoice(etp, { annee: "2025" }, TODAY).values, { annee: 2025 });
      assert.equal(
        readFilterChoice(etp, { annee: "deux mille" }, TODAY).errors[0]?.message,
        "« Année » attend un nombre.",
      );
    });

    it("lets the locks win over anything the choice holds", () => {
      const choice = { values: { departement: ["13"] }, cleared: new Set<string>(), fields: [], errors: [] };
      assert.deepEqual(cardValues(choice, { departement: ["93"] }), { departement: ["93"] });
    });

    it("drops the default of an emptied filter, and the export link follows", async () => {
      const d = await dashboard("pass-iae");
      const cleared = readFilterChoice(d, { periode: "" }, TODAY);
      assert.deepEqual([...cleared.cleared], ["periode"]);
      assert.equal(withChoice(d, cleared).parameters.find((p) => p.slug === "periode")?.default, undefined);
      const { catalog } = await testContent();
      const q = catalog.questions.find((x) => x.key === "iae/pass-iae-par-mois")!;
      const card = d.cards.find((c) => c.question === q.key)!;
      assert.equal(exportHref(d, card, q, cleared), "/api/questions/iae%2Fpass-iae-par-mois/data?format=csv");
      assert.equal(
        exportHref(d, card, q, readFilterChoice(d, {}, TODAY)),
        "/api/questions/iae%2Fpass-iae-par-mois/data?format=csv&periode=past12months",
      );
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
