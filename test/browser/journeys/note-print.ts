import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { loginWithDemoProvider } from "../support/demo-login.js";
import { tabAndEnter } from "../support/keyboard.js";
import { openJourney, type BrowserJourneyContext } from "../support/session.js";

const run = promisify(execFile);

/**
 * Journey 8 (issue 19): a DREETS agent finds the notes d'analyse from the header, reads the one on response
 * times — every figure computed for their région, with its source and the data's cut-off — and prints it
 * to PDF: A4 pages holding the note and its figures, without the site's navigation, buttons or footer.
 * The PDF is read back with poppler-utils (installed by scripts/test-services.sh).
 */
export function notePrintJourney(ctx: () => BrowserJourneyContext): void {
  describe("8. an agent reads a note d'analyse and prints it to PDF", () => {
    it("from the header to the note, by keyboard, then a clean A4 PDF", async () => {
      const { page, recorder, close } = await openJourney(ctx(), "8. Note d'analyse imprimée");
      try {
        await loginWithDemoProvider(page, recorder, "agent.dreets-idf@demo.pilotage.test", {
          startAt: "/connexion?retour=%2Fnotes",
        });
        assert.equal(new URL(page.url()).pathname, "/notes");
        await recorder.check("Notes d'analyse");
        await tabAndEnter(
          page,
          page.getByRole("link", {
            name: "Combien de temps les SIAE mettent-elles à répondre aux candidatures ?",
          }),
          { max: 60 },
        );
        await page.waitForURL(/\/notes\/combien-de-temps-les-siae-mettent-a-repondre$/);
        assert.equal(
          await page.locator("h1").innerText(),
          "Combien de temps les SIAE mettent-elles à répondre aux candidatures ? — Île-de-France",
        );
        const figures = await page.locator(".pilotage-chiffre").allInnerTexts();
        assert.equal(figures.length, 4);
        assert.ok(
          figures.every((f) => /\d/.test(f)),
          figures.join(" | "),
        );
        assert.equal(await page.locator(".pilotage-source").count(), 3);
        await page.locator(".pilotage-graphique").first().waitFor();
        await recorder.check("Note d'analyse");

        // The print button is there for people; the PDF is what it produces.
        await page.getByRole("button", { name: "Imprimer ou enregistrer en PDF" }).waitFor();
        const file = path.join(recorder.directory, "note.pdf");
        await fs.mkdir(recorder.directory, { recursive: true });
        await page.emulateMedia({ media: "print" });
        await page.pdf({ path: file, format: "A4", printBackground: false, preferCSSPageSize: true });
        await page.emulateMedia({ media: "screen" });

        const info = (await run("pdfinfo", [file])).stdout;
        const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
        assert.ok(pages >= 2 && pages <= 4, `${pages} pages`);
        assert.match(info, /^Page size:\s+59[45]\.\d+ x 84[12]\.\d+ pts \(A4\)/m);
        // No-break spaces (French numbers, « 94,9 % ») may come out of the PDF as plain ones.
        const spaces = (value: string) => value.replace(/[\u00a0\u202f]/g, " ");
        const text = spaces((await run("pdftotext", ["-layout", file, "-"])).stdout);
        const firstPage = text.split("\f")[0]!;
        assert.match(firstPage, /Combien de temps les SIAE mettent-elles à répondre/);
        assert.match(firstPage, /Données arrêtées au 31 octobre 2026/);
        for (const figure of figures.map(spaces)) assert.ok(text.includes(figure), `${figure} is printed`);
        assert.equal(
          text.match(/Source : les emplois de l'inclusion — données arrêtées au 31 octobre 2026/g)?.length,
          3,
        );
        for (const screenOnly of [
          "Se déconnecter",
          "Imprimer ou enregistrer en PDF",
          "Notes d'analyse\n",
          "Accessibilité : non conforme",
          "Voir le fil d'Ariane",
        ]) {
          assert.ok(!text.includes(screenOnly), `« ${screenOnly.trim()} » is not printed`);
        }
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
