import assert from "node:assert/strict";
import { freePort } from "../../support/free-port.js";
import { loginWithDemoProvider, logoutThroughProvider } from "../support/demo-login.js";
import { JourneyRecorder } from "../support/page-checks.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";
import { DDETS_AGENT } from "./ddets-agent.js";

/**
 * Journey 5: another site cannot log a person out. The trap is served from another port of the same
 * host (`localhost`), i.e. the same *site*: Chromium sends the SameSite=Lax session cookie with its
 * requests, so only the gateway's own checks stand between them and a logout. Then the person opens an
 * old bookmark of /deconnexion and logs out, by keyboard, with that page's button.
 */
export function crossSiteLogoutJourney(ctx: () => BrowserJourneyContext): void {
  describe("5. another site cannot log a person out; an old bookmark of /deconnexion still can", () => {
    it("an <img> and a form of another site leave the session open; the bookmark's button logs out", async () => {
      const { baseUrl } = ctx();
      const { context, page, recorder, close } = await openJourney(ctx(), "5. Déconnexion et autre site");
      try {
        await loginWithDemoProvider(page, recorder, DDETS_AGENT.email);
        await recorder.check("Connecté");

        const otherSite = `http://localhost:${await freePort()}`;
        assert.notEqual(otherSite, new URL(baseUrl).origin);
        await context.route(`${otherSite}/piege.html`, (route) =>
          route.fulfill({
            contentType: "text/html; charset=utf-8",
            body: `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Autre site</title></head>
<body><main><h1>Un autre site</h1><img src="${baseUrl}/deconnexion" alt="">
<form method="post" action="${baseUrl}/deconnexion"><button type="submit">Voir la suite</button></form></main></body></html>`,
          }),
        );
        const trap = await context.newPage();
        const image = trap.waitForRequest(
          (r) => r.url() === `${baseUrl}/deconnexion` && r.method() === "GET",
        );
        await trap.goto(`${otherSite}/piege.html`);
        // Playwright does not list the Sec-Fetch-* headers Chromium's network stack adds (same-site here);
        // the cookie it lists is what makes this <img> a real attempt.
        const imageHeaders = await (await image).allHeaders();
        assert.match(imageHeaders["cookie"] ?? "", /pilotage\.sid=/, "the <img> carried the session cookie");

        // Only the page the trap's form leads to is the gateway's: that one is checked.
        const trapRecorder = new JourneyRecorder(
          "5. Déconnexion et autre site (onglet de l'autre site)",
          trap,
        );
        const [answer] = await Promise.all([
          trap.waitForResponse(
            (r) => r.url() === `${baseUrl}/deconnexion` && r.request().method() === "POST",
          ),
          trap.getByRole("button", { name: "Voir la suite" }).click(),
        ]);
        await trap.waitForLoadState("load");
        const postHeaders = await answer.request().allHeaders();
        assert.equal(postHeaders["origin"], otherSite);
        assert.match(postHeaders["cookie"] ?? "", /pilotage\.sid=/, "the form carried the session cookie");
        assert.equal(answer.status(), 403);
        assert.equal(await trap.locator("h1").innerText(), "Se déconnecter");
        assert.equal(
          await trap.locator("#deconnexion-ignoree").innerText(),
          "Cette demande de déconnexion venait d'un autre site : elle a été ignorée.",
        );
        await trapRecorder.check("Déconnexion venue d'un autre site, ignorée");
        trapRecorder.finish();
        await trap.close();

        await page.goto("/tableaux-de-bord");
        assert.equal(await page.locator("#identite-connectee").innerText(), DDETS_AGENT.name);
        await recorder.check("Toujours connecté");

        // An old bookmark: a page, not a logout.
        await page.goto("/deconnexion");
        assert.equal(await page.locator("h1").innerText(), "Se déconnecter");
        assert.equal(await page.locator("#identite-connectee").innerText(), DDETS_AGENT.name);
        await recorder.check("Page de déconnexion (ancien favori)");
        await logoutThroughProvider(page, recorder, { keyboard: true, from: "page" });
        assert.equal(await page.locator("#identite-connectee").count(), 0);
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
