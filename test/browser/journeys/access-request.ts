import assert from "node:assert/strict";
import { loginWithDemoProvider, logoutThroughProvider } from "../support/demo-login.js";
import { focusedElement, tabTo } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";

const UNKNOWN = { email: "inconnu@demo.pilotage.test", name: "Lou Inconnu" };
const STAFF = { email: "admin@demo.pilotage.test", name: "Nour Lefebvre" };

/**
 * Journey 2: the person the gateway cannot place asks for access, staff approve it as a DDETS agent of
 * the 93, and the person, logging in again, is placed. Three browser sessions, one after the other.
 */
export function accessRequestJourney(ctx: () => BrowserJourneyContext): void {
  describe("2. the unknown person requests access, staff approve, the person sees their dashboards", () => {
    it("the unknown person logs in, lands on the request page, and sends a request (after a refused one)", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "2a. Demande d'accès");
      try {
        await loginWithDemoProvider(page, recorder, UNKNOWN.email);
        assert.equal(new URL(page.url()).pathname, "/demande-acces");
        assert.equal(await page.locator("h1").innerText(), "Demander un accès");
        assert.equal(await page.locator("#identite-connectee").innerText(), UNKNOWN.name);
        await recorder.check("Page de demande d'accès");

        const form = page.locator("#formulaire-demande-acces");
        await form.getByLabel("Votre organisation").fill("Association Tremplin, Saint-Denis");
        await form.getByLabel("Votre fonction").fill("Chargée de mission IAE");
        await form.getByLabel("Pourquoi avez-vous besoin").fill("Suivi");
        const [refused] = await Promise.all([
          page.waitForResponse((res) => res.request().method() === "POST"),
          form.getByRole("button", { name: "Envoyer la demande" }).click(),
        ]);
        await page.waitForLoadState("load");
        assert.equal(refused.status(), 400);
        // The title says it first, the summary has the focus, and its link leads the keyboard to the field.
        assert.equal(await page.title(), "Erreur : Demander un accès — Pilotage de l'inclusion");
        const summary = page.getByRole("alert");
        assert.match(await summary.innerText(), /Expliquez en quelques mots/);
        assert.equal(
          await page.evaluate("document.activeElement.id"),
          "resume-erreurs",
          await focusedElement(page),
        );
        assert.equal(await page.locator("#reason").getAttribute("aria-describedby"), "reason-messages");
        await recorder.check("Demande refusée : motif trop court");
        const link = summary.getByRole("link", { name: /Expliquez en quelques mots/ });
        assert.equal(await tabTo(page, link, { max: 1 }), 1, "the summary's first link is the next stop");
        await page.keyboard.press("Enter");
        assert.equal(await page.evaluate("document.activeElement.id"), "reason");

        await page.keyboard.press("ControlOrMeta+A");
        await page.keyboard.type("Je suis les SIAE de la Seine-Saint-Denis pour le compte de l'association.");
        await Promise.all([
          page.waitForEvent("load"),
          page.getByRole("button", { name: "Envoyer la demande" }).click(),
        ]);
        assert.equal(new URL(page.url()).pathname, "/demande-acces");
        assert.equal(
          await page.locator("#demande-envoyee").getByRole("heading").innerText(),
          "Votre demande a été envoyée",
        );
        await recorder.check("Demande envoyée");
        await logoutThroughProvider(page, recorder);
        recorder.finish();
      } finally {
        await close();
      }
    });

    it("staff find the request in /admin/demandes and approve it as DDETS for the 93", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "2b. Validation par l'équipe");
      try {
        await loginWithDemoProvider(page, recorder, STAFF.email);
        await recorder.check("Accueil de l'équipe");
        await page.goto("/admin/demandes");
        assert.equal(await page.locator("h1").innerText(), "Demandes d'accès");
        await recorder.check("Demandes en attente");

        const request = page.locator("section", {
          has: page.getByRole("heading", { name: new RegExp(UNKNOWN.email.replace(/\./g, "\\.")) }),
        });
        assert.equal(await request.count(), 1);
        assert.match(await request.innerText(), /Association Tremplin, Saint-Denis/);
        await request.locator('select[name="kind"]').selectOption("ddets");
        await request.locator('input[name="departements"]').fill("93");
        await Promise.all([
          page.waitForEvent("load"),
          request.getByRole("button", { name: "Accepter et créer l'accès" }).click(),
        ]);
        assert.equal(new URL(page.url()).pathname, "/admin/demandes");
        assert.match(await page.locator("#contenu").innerText(), /Demande acceptée : l'accès est créé\./);
        assert.equal(
          await page.getByRole("heading", { name: new RegExp(UNKNOWN.email.replace(/\./g, "\\.")) }).count(),
          0,
        );
        await recorder.check("Demande acceptée");

        await page.goto("/admin/acces");
        const grant = page.getByRole("row", { name: new RegExp(UNKNOWN.email.replace(/\./g, "\\.")) });
        assert.equal(await grant.count(), 1);
        await recorder.check("Accès accordés");
        await logoutThroughProvider(page, recorder);
        recorder.finish();
      } finally {
        await close();
      }
    });

    it("the person logs in again, is placed, and sees the dashboards of the 93 in the hub", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "2c. Nouvelle connexion");
      try {
        await loginWithDemoProvider(page, recorder, UNKNOWN.email);
        assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord");
        assert.equal(await page.locator("#identite-connectee").innerText(), UNKNOWN.name);
        assert.match(await page.locator("#perimetre-hub").innerText(), /93 - Seine-Saint-Denis/);
        assert.equal(
          await page.getByRole("link", { name: "Candidatures reçues par les SIAE", exact: true }).count(),
          1,
        );
        await recorder.check("Tableaux de bord, placé");
        const me = (await (await page.request.get("/api/me")).json()) as { profile?: { kind?: string } };
        assert.equal(me.profile?.kind, "ddets");
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
