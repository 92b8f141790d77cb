import assert from "node:assert/strict";
import { loginWithDemoProvider, logoutThroughProvider } from "../support/demo-login.js";
import { tabAndEnter, tabTo } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext, type JourneyPage } from "../support/session.js";

const DDETS_AGENT = { email: "agent.ddets93@demo.pilotage.test", name: "Camille Martin" };

/** Journey 1: a DDETS agent, by keyboard only, from the home page to logging out. */
export function ddetsAgentJourney(ctx: () => BrowserJourneyContext): void {
  describe("1. a DDETS agent logs in, opens a dashboard, downloads its data, logs out", () => {
    let journey: JourneyPage;
    before(async () => {
      journey = await openJourney(ctx(), "1. Agent DDETS au clavier");
    });
    after(async () => journey?.close());

    it("logs in and out by keyboard only: skip link, login button, demo form, header, logout", async () => {
      const { page, recorder } = journey;
      await page.goto("/");
      await recorder.check("Accueil");
      await tabTo(page, page.getByRole("link", { name: "Contenu", exact: true }), { max: 1 });
      await page.keyboard.press("Enter");
      await tabAndEnter(page, page.locator("#contenu").getByRole("link", { name: "Se connecter" }), {
        max: 1,
      });

      await loginWithDemoProvider(page, recorder, DDETS_AGENT.email, { keyboard: true });
      assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord", "the home page leads to the hub");
      assert.equal(await page.locator("#identite-connectee").innerText(), DDETS_AGENT.name);
      await recorder.check("Tableaux de bord, connecté");

      await logoutThroughProvider(page, recorder, { keyboard: true });
      assert.equal(await page.locator("#identite-connectee").count(), 0);
      recorder.finish();
    });

    it(
      "opens the hub, a dashboard of the 93 with its chart and table, downloads the CSV (pending: hub and dashboard pages, issue 6)",
    );
    it("with Metabase configured, the dashboard embedded (pending: the embed page, issue 6)");
  });
}
