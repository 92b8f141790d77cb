import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import { PROJECT_ROOT } from "../../../src/project-root.js";
import { loginWithDemoProvider, logoutThroughProvider } from "../support/demo-login.js";
import { tabAndEnter, tabTo } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";
import { DDETS_DASHBOARD } from "./ddets-agent.js";

const STAFF = { email: "admin@demo.pilotage.test" };
const PREVIEW = { label: "DREETS — Île-de-France" };

/** The question keys of a dashboard, read from its definition (the CSV URLs are built from them). */
async function questionsOf(dashboardKey: string): Promise<string[]> {
  const file = path.join(PROJECT_ROOT, "metabase-config", "dashboards", `${dashboardKey}.yaml`);
  const definition = YAML.parse(await fs.readFile(file, "utf8")) as { cards: { question: string }[] };
  return definition.cards.map((card) => card.question);
}

/** Journey 4: staff preview the product as a DREETS agent: banner on every page, no export. */
export function staffPreviewJourney(ctx: () => BrowserJourneyContext): void {
  describe("4. staff preview the product as a DREETS agent", () => {
    it("the banner is on every page, exports are disabled (buttons and API), and leaving ends it", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "4. Aperçu en tant que DREETS");
      const banner = page.locator("#bandeau-apercu");
      try {
        await loginWithDemoProvider(page, recorder, STAFF.email);
        await recorder.check("Tableaux de bord de l'équipe");
        await page.goto("/admin/apercu");
        assert.equal(await banner.count(), 0);
        await recorder.check("Choix du profil à prévisualiser");

        // A real territory of the reference data: the DREETS profile, then its région.
        await page.locator('label[for="profil-dreets"]').click();
        await page.getByLabel(/^Région/).selectOption("11");
        await Promise.all([
          page.waitForEvent("load"),
          page.getByRole("button", { name: "Prévisualiser" }).click(),
        ]);
        assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord");
        assert.match(await banner.innerText(), new RegExp(`Aperçu en tant que ${PREVIEW.label}`));
        assert.match(await page.locator("#perimetre-hub").innerText(), /Île-de-France|75/);
        await recorder.check("Tableaux de bord en aperçu");

        await Promise.all([
          page.waitForEvent("load"),
          page.getByRole("link", { name: DDETS_DASHBOARD.title, exact: true }).click(),
        ]);
        assert.match(await banner.innerText(), new RegExp(`Aperçu en tant que ${PREVIEW.label}`));
        assert.equal(await page.getByRole("link", { name: /^Télécharger \(CSV\)/ }).count(), 0);
        const disabled = page.getByRole("button", { name: /^Télécharger \(CSV\)/ });
        assert.ok((await disabled.count()) > 0);
        assert.equal(await disabled.first().isDisabled(), true);
        await recorder.check("Tableau de bord en aperçu, export désactivé");

        // The export API refuses the preview too: the disabled button is not the only guard.
        for (const question of await questionsOf(DDETS_DASHBOARD.key)) {
          const response = await page.request.get(`/api/questions/${question}/data?format=csv`);
          assert.equal(response.status(), 403, `export of ${question} during the preview`);
        }

        await Promise.all([
          page.waitForEvent("load"),
          banner.getByRole("button", { name: "Quitter l'aperçu" }).click(),
        ]);
        assert.equal(new URL(page.url()).pathname, "/admin/apercu");
        assert.equal(await banner.count(), 0);
        await recorder.check("Aperçu terminé");

        await page.goto("/admin/usage");
        assert.equal(await page.locator("h1").innerText(), "Fréquentation des tableaux de bord");
        await recorder.check("Fréquentation");

        // The staff pages hold wide tables: on a small screen they scroll, and must stay usable.
        await page.setViewportSize({ width: 375, height: 740 });
        await page.reload();
        await recorder.check("Fréquentation sur petit écran");
        for (const [path, step] of [
          ["/admin/demandes", "Demandes sur petit écran"],
          ["/admin/acces", "Accès accordés sur petit écran"],
        ] as const) {
          await page.goto(path);
          await recorder.check(step);
        }
        // The side menu folds behind its button there (DSFR's side menu), and opens by keyboard.
        const sideMenu = page.getByRole("navigation", { name: "Administration" });
        const toggle = sideMenu.getByRole("button", { name: "Dans cette rubrique" });
        const requests = sideMenu.getByRole("link", { name: "Demandes d'accès" });
        assert.equal(await toggle.getAttribute("aria-controls"), "menu-admin");
        assert.equal(await toggle.getAttribute("aria-expanded"), "false");
        assert.equal(await requests.isVisible(), false, "folded on a small screen");
        await tabTo(page, toggle);
        await page.keyboard.press("Enter");
        await requests.waitFor({ state: "visible" });
        assert.equal(await toggle.getAttribute("aria-expanded"), "true");
        assert.equal(
          await sideMenu.getByRole("link", { name: "Accès accordés" }).getAttribute("aria-current"),
          "page",
        );
        await recorder.check("Menu d'administration ouvert sur petit écran");
        await tabAndEnter(page, requests, { max: 3 });
        assert.equal(new URL(page.url()).pathname, "/admin/demandes");
        await recorder.check("Demandes, depuis le menu d'administration");
        await page.setViewportSize({ width: 1280, height: 900 });
        await logoutThroughProvider(page, recorder);
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
