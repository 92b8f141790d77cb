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
    it("from the home page to the hub's public section, the dashboard (chart and table) and its CSV", async () => {
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
        const charts = await assertEveryChartHasItsTable(page);
        assert.ok(charts.length > 0, "the public dashboard shows a chart");
        await recorder.check("Tableau de bord public");

        const csvLink = page.getByRole("link", { name: /^Télécharger \(CSV\)/ }).first();
        const [download] = await Promise.all([page.waitForEvent("download"), csvLink.click()]);
        const { text } = await savedDownload(download, recorder.directory);
        const rows = parseCsv(text, text.split("\n")[0]?.includes(";") ? ";" : ",").filter((row) =>
          row.some(Boolean),
        );
        assert.ok(rows.length > 1, "a header and data rows");
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
