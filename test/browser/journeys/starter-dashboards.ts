import assert from "node:assert/strict";
import { loadCatalog, type Dashboard } from "../../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../../src/demo/accounts.js";
import { dashboardAccess } from "../../../src/perimeter/dashboard-access.js";
import { PROJECT_ROOT } from "../../../src/project-root.js";
import { documentedProfile } from "../../support/demo-profiles.js";
import { assertEveryChartHasItsTable } from "../support/dashboard-checks.js";
import { loginWithDemoProvider } from "../support/demo-login.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";

/** The viewer of a starter dashboard: anyone for a public one, else the first demo account it is meant for. */
function viewerOf(dashboard: Dashboard): string | null {
  if (dashboard.public) return null;
  // Bassin and EPCI locks are filled from a perimeter's départements (issue 19), which the demo server's
  // warehouse knows and this oracle does not read: whoever opens the rest of the dashboard opens them.
  const byDepartements = {
    ...dashboard,
    parameters: dashboard.parameters.filter((p) => p.locked !== "bassins" && p.locked !== "epci"),
  };
  const account = DEMO_ACCOUNTS.find((a) => {
    const profile = documentedProfile(a.email);
    return profile !== null && profile.kind !== "staff" && dashboardAccess(profile, byDepartements).allowed;
  });
  assert.ok(account, `a demo account may open ${dashboard.key}`);
  return account.email;
}

/**
 * Journey 6 (issue 17): every starter dashboard as someone it is meant for sees it, on a laptop (1280 px)
 * and on a phone (375 px): the cut-off date, the key figures, every chart with its table, and axe-core on
 * each; the screenshots stay under test-artifacts/browser/ for a person to look at.
 */
export function starterDashboardsJourney(ctx: () => BrowserJourneyContext): void {
  describe("6. every starter dashboard, at 1280 and 375 px", () => {
    it("opens with the cut-off date and key figures, every chart with its table, axe-clean at both widths", async function () {
      this.timeout(300_000);
      const catalog = await loadCatalog(PROJECT_ROOT);
      const byViewer = new Map<string | null, Dashboard[]>();
      for (const dashboard of catalog.dashboards) {
        const viewer = viewerOf(dashboard);
        byViewer.set(viewer, [...(byViewer.get(viewer) ?? []), dashboard]);
      }
      for (const [viewer, dashboards] of byViewer) {
        const { page, recorder, close } = await openJourney(
          ctx(),
          `6. Tableaux de bord, ${viewer === null ? "visiteur" : viewer.split("@")[0]}`,
        );
        try {
          if (viewer !== null) await loginWithDemoProvider(page, recorder, viewer, { startAt: "/connexion" });
          if (viewer !== null) await recorder.check("Tableaux de bord");
          for (const dashboard of dashboards) {
            for (const width of [1280, 375]) {
              await page.setViewportSize({ width, height: 900 });
              await page.goto(
                dashboard.public ? `/public/${dashboard.key}` : `/tableaux-de-bord/${dashboard.key}`,
              );
              assert.match(
                await page.locator("#date-donnees").innerText(),
                /^Données arrêtées au 31 octobre 2026$/,
              );
              const figures = await page.locator("#chiffres-cles .pilotage-indicateur").count();
              assert.ok(figures >= 2 && figures <= 4, `${dashboard.key}: ${figures} key figures`);
              await assertEveryChartHasItsTable(page);
              await recorder.check(`${dashboard.title}, ${width} px`);
            }
          }
          recorder.finish();
        } finally {
          await close();
        }
      }
    });
  });
}
