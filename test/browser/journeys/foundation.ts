import assert from "node:assert/strict";
import { focusedElement, tabAndEnter, tabTo } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext, type JourneyPage } from "../support/session.js";

/** The pages everyone sees first: the home page (by keyboard) and the French 404 page. */
export function foundationJourney(ctx: () => BrowserJourneyContext): void {
  describe("0. a visitor lands on the site", () => {
    let journey: JourneyPage;
    before(async () => {
      journey = await openJourney(ctx(), "0. Première visite");
    });
    after(async () => journey?.close());

    it("the home page: the skip link is the first Tab stop and leads to the content", async () => {
      const { page, recorder } = journey;
      const response = await page.goto("/");
      assert.equal(response?.status(), 200);
      assert.equal(await page.getAttribute("html", "lang"), "fr");
      assert.equal(await page.title(), "Pilotage de l'inclusion — Pilotage de l'inclusion");
      assert.equal(await page.locator("h1").innerText(), "Pilotage de l'inclusion");
      await recorder.check("Accueil");

      const skipLink = page.getByRole("link", { name: "Contenu", exact: true });
      assert.equal(await tabTo(page, skipLink, { max: 1 }), 1, "the skip link is the first stop");
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate("document.activeElement && document.activeElement.id"), "contenu");
      // From the content, the next stop is the content's own first link, not the header again.
      const login = page.locator("#contenu").getByRole("link", { name: "Se connecter" });
      assert.equal(await tabTo(page, login, { max: 1 }), 1, await focusedElement(page));
    });

    it("an unknown address: the 404 page in French, with a way back", async () => {
      const { page, recorder } = journey;
      const response = await page.goto("/cette-page-n-existe-pas");
      assert.equal(response?.status(), 404);
      assert.equal(await page.locator("h1").innerText(), "Page non trouvée");
      await recorder.check("Page non trouvée");
      await tabAndEnter(page, page.locator("#contenu").getByRole("link", { name: "Page d'accueil" }));
      assert.equal(new URL(page.url()).pathname, "/");
      await recorder.check("Retour à l'accueil");
      recorder.finish();
    });

    it("the footer's « Accessibilité : non conforme », by keyboard, leads to the statement", async () => {
      const { page, recorder } = journey;
      await page.goto("/");
      await recorder.check("Accueil, vers le pied de page");
      const skipLink = page.getByRole("link", { name: "Pied de page", exact: true });
      assert.equal(await tabTo(page, skipLink, { max: 2 }), 2, "the second skip link");
      await page.keyboard.press("Enter");
      // From the footer, its own links only: the statement's is a few stops away, not the page's length.
      const statement = page
        .getByRole("contentinfo")
        .getByRole("link", { name: "Accessibilité : non conforme" });
      await tabAndEnter(page, statement, { max: 8 });
      assert.equal(new URL(page.url()).pathname, "/accessibilite");
      assert.equal(await page.title(), "Déclaration d'accessibilité — Pilotage de l'inclusion");
      assert.equal(await page.locator("h1").innerText(), "Déclaration d'accessibilité");
      assert.match(await page.locator("#etat-de-conformite").innerText(), /est non conforme/);
      assert.equal(await statement.getAttribute("aria-current"), "page");
      await recorder.check("Déclaration d'accessibilité");
      recorder.finish();
    });

    it("a person who cancels at ProConnect gets a French page and a way to try again", async () => {
      const { page, recorder } = journey;
      await page.goto("/connexion");
      await recorder.check("Connexion");
      await Promise.all([
        page.waitForEvent("load"),
        page.getByRole("button", { name: "S’identifier avec ProConnect" }).click(),
      ]);
      await recorder.check("ProConnect (démonstration)");
      const [response] = await Promise.all([
        page.waitForResponse((res) => new URL(res.url()).pathname === "/connexion/callback"),
        page.getByRole("button", { name: "Annuler et revenir au service" }).click(),
      ]);
      await page.waitForLoadState("load");
      assert.equal(response.status(), 403);
      assert.equal(await page.locator("h1").innerText(), "Connexion refusée par ProConnect");
      assert.match(await page.locator("main").innerText(), /la connexion a été annulée/);
      await recorder.check("Connexion annulée");
      await tabAndEnter(page, page.locator("#contenu").getByRole("link", { name: "Se connecter à nouveau" }));
      assert.equal(new URL(page.url()).pathname, "/connexion");
      await recorder.check("Connexion, à nouveau");
      recorder.finish();
    });

    it("a small screen: the header menu opens, keeps the focus inside, and closes with Escape", async () => {
      const { page, recorder } = journey;
      await page.setViewportSize({ width: 375, height: 740 });
      await page.goto("/");
      await recorder.check("Accueil sur petit écran");
      const menuButton = page.getByRole("button", { name: "Menu" });
      await tabTo(page, menuButton, { max: 5 });
      await page.keyboard.press("Enter");
      const dialog = page.locator("#menu-principal");
      await dialog.getByRole("button", { name: "Fermer" }).waitFor({ state: "visible" });
      await recorder.check("Menu ouvert");
      // DSFR moves the focus into the menu, copies the header's tools there, and traps Tab inside.
      const inMenu: string[] = [];
      for (let i = 0; i < 8; i += 1) {
        await page.keyboard.press("Tab");
        assert.equal(await dialog.evaluate((el) => el.contains(el.ownerDocument.activeElement)), true);
        inMenu.push(await focusedElement(page));
      }
      assert.ok(
        inMenu.some((text) => text.startsWith("A Tableaux de bord")),
        inMenu.join(" | "),
      );
      assert.ok(
        inMenu.some((text) => text.startsWith("A Se connecter")),
        inMenu.join(" | "),
      );
      await page.keyboard.press("Escape");
      await dialog.getByRole("button", { name: "Fermer" }).waitFor({ state: "hidden" });
      assert.equal(await focusedElement(page), "BUTTON #bouton-menu Menu");
      await page.setViewportSize({ width: 1280, height: 900 });
      recorder.finish();
    });
  });
}
