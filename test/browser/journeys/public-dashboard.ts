import assert from "node:assert/strict";
import { assertEveryChartHasItsTable, parseCsv, savedDownload } from "../support/dashboard-checks.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";

const PUBLIC_DASHBOARD = {
  key: "structures-par-type-et-departement",
  title: "Les structures de l'inclusion dans l'emploi",
};

/** Journey 3: a visitor, never logged in, from the home page to a public dashboard and its data. */
export function publicDashboardJourney(ctx: () => BrowserJourneyContext): void {
  describe("3. a visitor opens a public dashboard without logging in", () => {
    it("from the home page to the hub's public section and the dashboard: captioned tables, a CSV per card", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "3. Visiteur, tableau de bord public");
      try {
        await page.goto("/");
        await recorder.check("Accueil");
        await Promise.all([
          page.waitForEvent("load"),
          page.locator("#contenu").getByRole("link", { name: "Voir les tableaux de bord" }).click(),
        ]);
        assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord");
        assert.equal(await page.locator("#identite-connectee").count(), 0);
        await recorder.check("Tableaux de bord, sans connexion");

        const publicSection = page.locator("section", {
          has: page.getByRole("heading", { name: "Données publiques" }),
        });
        await Promise.all([
          page.waitForEvent("load"),
          publicSection.getByRole("link", { name: PUBLIC_DASHBOARD.title, exact: true }).click(),
        ]);
        assert.equal(new URL(page.url()).pathname, `/public/${PUBLIC_DASHBOARD.key}`);
        assert.match(await page.locator("h1").innerText(), new RegExp(`^${PUBLIC_DASHBOARD.title}`));
        // A chart first, with its table; then the long table as totals per région, départements behind
        // disclosures; every table has its caption.
        const charts = await assertEveryChartHasItsTable(page);
        assert.ok(charts.length > 0, "a chart first");
        assert.ok((await page.locator("#chiffres-cles .pilotage-indicateur").count()) >= 2, "key figures");
        const captions = await page.locator("#contenu table caption").allTextContents();
        assert.ok(
          captions.length > 0 && captions.every((caption) => caption.trim() !== ""),
          captions.join(" | "),
        );
        assert.ok((await page.locator("#contenu table tbody tr").count()) > 1, "rows of data");
        assert.equal(
          await page.getByRole("link", { name: /^Télécharger \(CSV\)/ }).count(),
          await page.locator("section.pilotage-carte").count(),
          "one CSV link per card (key figures aside)",
        );
        await recorder.check("Tableau de bord public");

        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page
            .getByRole("link", { name: /^Télécharger \(CSV\)/ })
            .first()
            .click(),
        ]);
        const { name, text } = await savedDownload(download, recorder.directory);
        assert.match(name, /\.csv$/);
        const rows = parseCsv(text).filter((row) => row.some((cell) => cell !== ""));
        assert.ok(rows.length > 1, "a header and data rows, without logging in");
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
