import assert from "node:assert/strict";
import type { FakeMatomo } from "../support/fake-matomo.js";
import { focusedElement, tabTo } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";

/**
 * Journey 7 (issue 19): audience measurement with consent, against a demo started with MATOMO_URL set to
 * a fake Matomo on another origin. No request reaches that origin before consent — not on the first
 * page, not after a refusal; after « Accepter » the tracker loads from it and records the page's route,
 * never its address. The banner is reached first by keyboard, and the choice can be changed later.
 */
export function audienceConsentJourney(ctx: () => BrowserJourneyContext & { matomo: FakeMatomo }): void {
  describe("7. a visitor is asked before any audience measurement (MATOMO_URL set)", () => {
    it("sends nothing to Matomo before consent nor after a refusal, and the route only after « Accepter »", async () => {
      const { matomo, ...context } = ctx();
      const { page, recorder, close } = await openJourney(context, "7. Mesure d'audience avec consentement");
      const toMatomo: string[] = [];
      page.on("request", (request) => {
        if (request.url().startsWith(matomo.url)) toMatomo.push(request.url());
      });
      try {
        const first = await page.goto("/tableaux-de-bord");
        const csp = first?.headers()["content-security-policy"] ?? "";
        assert.match(csp, new RegExp(`script-src 'self' ${matomo.url}`));
        assert.match(csp, new RegExp(`connect-src 'self' ${matomo.url}`));
        assert.doesNotMatch(csp, new RegExp(`frame-src[^;]*${matomo.url}`));
        const banner = page.getByRole("region", { name: /À propos de la mesure d'audience/ });
        await banner.waitFor({ state: "visible" });
        await recorder.check("Bandeau de consentement");
        // First in the page: the first Tabs go through it (its link, then its buttons) before the skip links.
        await page.keyboard.press("Tab");
        assert.equal(
          await focusedElement(page),
          "A Données personnelles /donnees-personnelles#mesure-audience",
        );
        await page.keyboard.press("Tab");
        assert.match(await focusedElement(page), /^BUTTON Accepter la mesure d'audience/);

        await page.goto("/public/etp-conventionnes-par-departement?annee=2025");
        await recorder.check("Tableau de bord public, sans choix");
        assert.deepEqual([toMatomo, matomo.requests.length], [[], 0], "nothing before consent");

        // By keyboard: the choice needs no mouse (it loads no page, so Tab then Enter by hand).
        await tabTo(page, banner.getByRole("button", { name: "Refuser" }));
        await page.keyboard.press("Enter");
        await banner.waitFor({ state: "hidden" });
        await page.goto("/notes");
        await recorder.check("Notes, après un refus");
        assert.equal(await banner.isVisible(), false, "a refusal is remembered");
        await page.waitForTimeout(300);
        assert.deepEqual([toMatomo, matomo.requests.length], [[], 0], "nothing after a refusal");

        // The footer lets the visitor change their mind.
        await page.getByRole("button", { name: "Gestion de la mesure d'audience" }).click();
        await banner.waitFor({ state: "visible" });
        assert.match(await focusedElement(page), /^BUTTON Accepter la mesure d'audience/);
        const tracked = (from: number) =>
          page
            // The response, not the request: the fake Matomo records a request before answering it, so
            // its list is complete only once the answer is back (a loaded machine showed the difference).
            .waitForResponse((response) => response.url().startsWith(`${matomo.url}/matomo.php`), {
              timeout: 15_000,
            })
            .then(() => assert.ok(matomo.requests.length > from));
        const accepted = tracked(0);
        await banner.getByRole("button", { name: "Accepter la mesure d'audience" }).click();
        await accepted;
        assert.deepEqual(
          matomo.requests.map((r) => r.path),
          ["/matomo.js", "/matomo.php"],
        );
        assert.equal(matomo.requests[1]!.query.get("url"), `${context.baseUrl}/notes`);

        // The next page is measured at once, by its route: no key, no filter value.
        const next = tracked(2);
        await page.goto("/public/etp-conventionnes-par-departement?annee=2025");
        await next;
        await recorder.check("Tableau de bord public, mesure acceptée");
        assert.equal(matomo.requests.at(-1)!.query.get("url"), `${context.baseUrl}/public/:key`);
        assert.equal(matomo.requests.at(-1)!.query.get("idsite"), "7");
        assert.equal(await banner.isVisible(), false);
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
