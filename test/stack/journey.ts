import assert from "node:assert/strict";
import { DDETS_AGENT, DDETS_DASHBOARD } from "../browser/journeys/ddets-agent.js";
import { launchChromium, type LaunchedChromium } from "../browser/support/chromium.js";
import { loginWithDemoProvider, logoutThroughProvider } from "../browser/support/demo-login.js";
import { serveMetabaseEmbedFrontend } from "../browser/support/metabase-embed-frontend.js";
import { writeAccessibilityReport } from "../browser/support/page-checks.js";
import { openJourney } from "../browser/support/session.js";
import { SESSION_COOKIE, type StackTestContext } from "./support.js";

/**
 * The one browser journey through the stack (CI time): Chromium, trusting Caddy's local CA in its own
 * profile, follows a DDETS agent over https from the home page to a dashboard framed from the Metabase
 * test server through Caddy, then out. Screenshots and axe-core's findings under test-artifacts/browser/.
 */
export function stackJourney(ctx: () => StackTestContext): void {
  const started = () => ctx().stack;
  describe("in Chromium, trusting Caddy's CA", () => {
    let chromium: LaunchedChromium | undefined;
    before(async function () {
      this.timeout(120_000);
      chromium = await launchChromium({ trustCertificates: [started().caCertFile] });
    });
    after(async function () {
      this.timeout(60_000);
      await writeAccessibilityReport();
      await chromium?.close();
    });

    it("a DDETS agent logs in over https, sees a dashboard framed from Metabase through Caddy, logs out", async () => {
      const { urls } = started();
      if (!chromium) throw new Error("Chromium did not start");
      const { page, context, recorder, close } = await openJourney(
        { browser: chromium.browser, baseUrl: urls.gateway },
        "Pile de production : agent DDETS en https",
      );
      try {
        const loads = await serveMetabaseEmbedFrontend(context, { url: urls.metabase });
        await page.goto("/");
        await recorder.check("Accueil en https");
        await loginWithDemoProvider(page, recorder, DDETS_AGENT.email, {
          issuer: urls.proconnectIssuer,
          startAt: "/connexion",
        });
        assert.ok(page.url().startsWith(`${urls.gateway}/`), page.url());
        const [session] = (await context.cookies(urls.gateway)).filter((c) => c.name === SESSION_COOKIE);
        assert.deepEqual(
          { secure: session?.secure, httpOnly: session?.httpOnly, sameSite: session?.sameSite },
          { secure: true, httpOnly: true, sameSite: "Lax" },
        );
        await recorder.check("Tableaux de bord");

        await page.goto(`/tableaux-de-bord/${DDETS_DASHBOARD.key}`);
        const frame = page.locator("iframe[data-embed-frame]");
        assert.ok((await frame.getAttribute("src"))?.startsWith(`${urls.metabase}/embed/dashboard/`));
        const inside = page.frameLocator("iframe[data-embed-frame]").locator("h1");
        await inside.waitFor();
        assert.equal(await inside.innerText(), DDETS_DASHBOARD.title);
        // The Metabase test server, reached through Caddy, accepted the gateway's token for every card.
        assert.equal(loads.length, 1);
        assert.equal(loads[0]?.status, 200);
        assert.ok((loads[0]?.cards.length ?? 0) > 0);
        assert.deepEqual(
          loads[0]?.cards.filter((card) => card.status !== 202),
          [],
        );
        await recorder.check("Tableau de bord intégré");

        await logoutThroughProvider(page, recorder, { issuer: urls.proconnectIssuer });
        assert.ok(page.url().startsWith(`${urls.gateway}/`), page.url());
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
