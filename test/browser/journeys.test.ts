import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { launchChromium, type LaunchedChromium } from "./support/chromium.js";
import { startDemoServer, type DemoServer } from "./support/demo-server.js";
import { writeAccessibilityReport } from "./support/page-checks.js";
import type { BrowserJourneyContext } from "./support/session.js";
import { accessRequestJourney } from "./journeys/access-request.js";
import { crossSiteLogoutJourney } from "./journeys/cross-site-logout.js";
import { ddetsAgentJourney } from "./journeys/ddets-agent.js";
import { foundationJourney } from "./journeys/foundation.js";
import { publicDashboardJourney } from "./journeys/public-dashboard.js";
import { staffPreviewJourney } from "./journeys/staff-preview.js";
import { audienceConsentJourney } from "./journeys/audience-consent.js";
import { notePrintJourney } from "./journeys/note-print.js";
import { territoryComparisonJourney } from "./journeys/territory-comparison.js";
import { startFakeMatomo, type FakeMatomo } from "./support/fake-matomo.js";
import { starterDashboardsJourney } from "./journeys/starter-dashboards.js";

/**
 * The main journeys of the product in Debian's Chromium (headless, through playwright-core), against the
 * demo server as `npm run demo` starts it. Each page goes through axe-core (serious and critical
 * violations fail; the others are listed in test-artifacts/browser/accessibility.md) and leaves a
 * screenshot under test-artifacts/browser/.
 */
describe("browser journeys (Chromium, demo server)", function () {
  this.timeout(60_000);
  let chromium: LaunchedChromium | undefined;
  let demo: DemoServer | undefined;

  before(async function () {
    // The demo seeds its PGlite warehouse on its first start.
    this.timeout(300_000);
    [chromium, demo] = await Promise.all([launchChromium(), startDemoServer()]);
  });

  after(async function () {
    this.timeout(60_000);
    const report = await writeAccessibilityReport();
    console.log(
      `      axe-core: ${report.pages} pages checked; moderate and minor findings in ${report.file}`,
    );
    await demo?.stop();
    await chromium?.close();
  });

  const ctx = (): BrowserJourneyContext => {
    if (!chromium || !demo) throw new Error("the browser or the demo server did not start");
    return { browser: chromium.browser, baseUrl: demo.url };
  };

  foundationJourney(ctx);

  ddetsAgentJourney(ctx);
  accessRequestJourney(ctx);
  publicDashboardJourney(ctx);
  staffPreviewJourney(ctx);
  crossSiteLogoutJourney(ctx);
  starterDashboardsJourney(ctx);
  notePrintJourney(ctx);
  territoryComparisonJourney(ctx);

  describe("with audience measurement configured (MATOMO_URL, a fake Matomo on another origin)", () => {
    let matomo: FakeMatomo | undefined;
    let measured: DemoServer | undefined;
    let dataDir: string | undefined;
    before(async function () {
      this.timeout(300_000);
      if (!demo) throw new Error("the demo server did not start");
      matomo = await startFakeMatomo();
      // A copy of the first server's seeded warehouse (idle, read-only): no second seeding, and no PGlite
      // folder opened by two processes. Its gateway database starts empty.
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-demo-matomo-"));
      await fs.cp(path.join(demo.dataDir, "warehouse"), path.join(dataDir, "warehouse"), { recursive: true });
      measured = await startDemoServer({
        dataDir,
        name: "demo-server-matomo",
        env: { MATOMO_URL: matomo.url, MATOMO_SITE_ID: "7" },
      });
    });
    after(async function () {
      this.timeout(60_000);
      await measured?.stop();
      await matomo?.close();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    });
    audienceConsentJourney(() => {
      if (!chromium || !measured || !matomo) throw new Error("the measured demo server did not start");
      return { browser: chromium.browser, baseUrl: measured.url, matomo };
    });
  });
});
