import assert from "node:assert/strict";
import { loginWithDemoProvider } from "../support/demo-login.js";
import { tabAndEnter } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";

const ETP = "/tableaux-de-bord/etp-conventionnes-et-realises";

/**
 * Journey 9 (issue 19): a DREETS agent compares the départements of their région on the ETP dashboard —
 * a map of the région beside a ranked table with the regional reference — and narrows, by keyboard from
 * the table, to the 93, then to one of its bassins d'emploi; the page's title, tables and lists follow.
 */
export function territoryComparisonJourney(ctx: () => BrowserJourneyContext): void {
  describe("9. a DREETS agent compares their départements and narrows from the table by keyboard", () => {
    it("from the région's map and table to the 93, then to a bassin of the 93", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "9. Comparaison et restriction au clavier");
      try {
        await loginWithDemoProvider(page, recorder, "agent.dreets-idf@demo.pilotage.test", {
          startAt: `/connexion?retour=${encodeURIComponent(ETP)}`,
        });
        assert.equal(new URL(page.url()).pathname, ETP);
        const table = page.locator("#tableau-comparaison");
        assert.equal(await table.locator("tbody tr").count(), 8, "the région's eight départements");
        assert.match(await table.locator("tfoot").innerText(), /Référence : Île-de-France/);
        assert.equal(await page.locator("#carte-comparaison svg text").count(), 8, "a map of the région");
        await recorder.check("Comparaison des départements d'Île-de-France");

        await tabAndEnter(page, table.getByRole("link", { name: "93 - Seine-Saint-Denis" }), { max: 120 });
        await page.waitForURL(/\?departement=93$/);
        assert.match(await page.locator("h1").innerText(), /— 93 - Seine-Saint-Denis$/);
        assert.match(
          await page.locator("#territoire-courant").innerText(),
          /restreint à : 93 - Seine-Saint-Denis/,
        );
        assert.match(await table.locator("tfoot").innerText(), /Référence : 93 - Seine-Saint-Denis/);
        const bassins = await table.locator("tbody th a").allInnerTexts();
        assert.ok(bassins.length > 1, bassins.join(" | "));
        await recorder.check("Restreint au 93 : ses bassins d'emploi comparés");

        const first = table.locator("tbody th a").first();
        const code = await first.getAttribute("data-territoire");
        await tabAndEnter(page, first, { max: 120 });
        await page.waitForURL(new RegExp(`\\?departement=93&bassin=${code}$`));
        assert.equal(
          await table.locator('tr[aria-current="true"] th a').getAttribute("data-territoire"),
          code,
        );
        assert.equal(await page.locator("#territoire-bassin").inputValue(), code);
        await recorder.check("Restreint à un bassin d'emploi du 93");

        await tabAndEnter(page, page.getByRole("link", { name: "Revenir à tout votre périmètre" }), {
          max: 40,
        });
        await page.waitForURL((url) => url.pathname === ETP && url.search === "");
        assert.equal(await table.locator("tbody tr").count(), 8);
      } finally {
        await close();
      }
    });
  });
}
