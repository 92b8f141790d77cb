import assert from "node:assert/strict";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import type { Database } from "../../src/storage/database.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, browserPerAccount } from "../support/login.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * The notes d'analyse pages (issue 19): who may read which note, and every figure computed for the
 * reader's perimeter — checked against the same figures counted here, by hand-written SQL, on the
 * seeded warehouse — with its source and the data's cut-off, printable.
 */
const DDETS = "agent.ddets93@demo.pilotage.test";
const DREETS = "agent.dreets-idf@demo.pilotage.test";
const EMPLOYER = "employeur.siae@demo.pilotage.test";
const WOMEN = "les-femmes-dans-les-recrutements-de-l-iae";
const DELAYS = "combien-de-temps-les-siae-mettent-a-repondre";
const IDF = ["75", "77", "78", "91", "92", "93", "94", "95"];

const NBSP = "\u00a0";
const count = (n: number) => new Intl.NumberFormat("fr-FR").format(n);
const percent = (n: number) =>
  `${new Intl.NumberFormat("fr-FR", { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n)}${NBSP}%`;
/** The text-escaped HTML of a value as EJS and markdown-it write it. */
const cited = (text: string) => `<span class="pilotage-chiffre">${text}</span>`;

describe("notes d'analyse pages (issue 19)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let warehouse: Database;
  const as = browserPerAccount(() => stack.baseUrl);
  const url = (path: string) => `${stack.baseUrl}${path}`;

  /** Women among the 2025 applications and hires of the IAE structures of these départements. */
  async function womenFigures(departements: string[]) {
    const { rows } = await warehouse.query<{
      candidatures: number;
      femmes: number;
      embauches: number;
      embauchees: number;
    }>(
      `SELECT count(*)::int AS candidatures,
              count(*) FILTER (WHERE p.sexe = 'F')::int AS femmes,
              count(*) FILTER (WHERE c.etat = 'Candidature acceptée')::int AS embauches,
              count(*) FILTER (WHERE c.etat = 'Candidature acceptée' AND p.sexe = 'F')::int AS embauchees
         FROM entrepot.candidatures c JOIN entrepot.candidats p ON p.id = c.id_candidat
        WHERE c.departement_structure = ANY ($1) AND c.categorie_structure = 'IAE'
          AND c.date_candidature BETWEEN '2025-01-01' AND '2025-12-31'`,
      [departements],
    );
    return rows[0]!;
  }

  before(async () => {
    stack = await startLoginStack({ provider: { accounts: DEMO_ACCOUNTS } });
    warehouse = await openTestWarehouse();
  });
  after(async () => {
    await warehouse.close();
    await stack.close();
  });

  describe("the list", () => {
    it("shows an agent the notes of their profile, newest first, filtered by theme", async () => {
      const browser = await as(DDETS);
      const all = await browser.follow(url("/notes"));
      assert.equal(all.status, 200);
      const titles = (text: string) =>
        [...text.matchAll(/<h3 class="fr-card__title"><a href="\/notes\/([^"]+)">/g)].map((m) => m[1]);
      assert.deepEqual(titles(all.text), [DELAYS, WOMEN]);
      assert.match(all.text, /<a class="fr-tag" href="\/notes" aria-current="page">Tous les thèmes<\/a>/);
      const publics = await browser.follow(url("/notes?theme=Publics"));
      assert.deepEqual(titles(publics.text), [WOMEN]);
      assert.match(
        publics.text,
        /<a class="fr-tag" href="\/notes\?theme=Publics" aria-current="page">Publics<\/a>/,
      );
      // A theme that is not one of the list's is no filter.
      assert.deepEqual(titles((await browser.follow(url("/notes?theme=Inconnu"))).text), [DELAYS, WOMEN]);
    });

    it("shows an employer, and anyone without login, no private note, and says why", async () => {
      const employer = await (await as(EMPLOYER)).follow(url("/notes"));
      assert.match(
        employer.text,
        /<p id="aucune-note">Aucune note d'analyse ne vous est ouverte pour le moment\.<\/p>/,
      );
      const anonymous = await new Browser().follow(url("/notes"));
      assert.equal(anonymous.status, 200);
      assert.match(anonymous.text, /<p id="aucune-note">/);
      assert.match(anonymous.text, /<a href="\/connexion\?retour=%2Fnotes">connectez-vous<\/a>/);
    });
  });

  describe("a note", () => {
    it("computes every cited figure on the reader's perimeter, the DDETS's 93", async () => {
      const page = await (await as(DDETS)).follow(url(`/notes/${WOMEN}`));
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cache-control"), "no-store");
      assert.match(
        page.text,
        /<h1 id="titre-note">Les femmes dans les recrutements de l&#39;IAE — 93 - Seine-Saint-Denis<\/h1>/,
      );
      const f = await womenFigures(["93"]);
      assert.ok(f.candidatures > 10 && f.femmes > 0 && f.embauchees > 0, JSON.stringify(f));
      const expected =
        `ont reçu ${cited(count(f.candidatures))} candidatures ;\n` +
        `${cited(percent((100 * f.femmes) / f.candidatures))} venaient de femmes. Sur les ${cited(count(f.embauches))} embauches de l’année,`;
      assert.ok(page.text.includes(expected.replace("l’année", "l'année")), `missing: ${expected}`);
      assert.ok(
        page.text.includes(`${cited(percent((100 * f.embauchees) / f.embauches))} concernent des femmes`),
      );
    });

    it("computes them on the whole région for the DREETS, whatever the request says", async () => {
      const browser = await as(DREETS);
      const page = await browser.follow(url(`/notes/${WOMEN}`));
      const f = await womenFigures(IDF);
      assert.match(page.text, /— Île-de-France<\/h1>/);
      assert.ok(page.text.includes(`ont reçu ${cited(count(f.candidatures))} candidatures`));
      // Locked values never come from the request (PRODUCT.md §3, invariant 1): the same page, figure for figure.
      const tampered = await browser.follow(url(`/notes/${WOMEN}?departements=2A&periode=2024&region=93`));
      const figures = (text: string) =>
        [...text.matchAll(/<span class="pilotage-chiffre">([^<]+)<\/span>/g)].map((m) => m[1]);
      assert.deepEqual(figures(tampered.text), figures(page.text));
      // Narrowing (issue 19): `departement` chooses inside the perimeter, the figures are then the 93's;
      // one outside it is a 400, never a wider or an empty page.
      const narrowed = await browser.follow(url(`/notes/${WOMEN}?departement=93`));
      const f93 = await womenFigures(["93"]);
      assert.ok(narrowed.text.includes(`ont reçu ${cited(count(f93.candidatures))} candidatures`));
      const outside = await browser.follow(url(`/notes/${WOMEN}?departement=13`));
      assert.equal(outside.status, 400);
      assert.deepEqual(figures(outside.text), []);
    });

    it("gives every figure its source and the data's cut-off, and a table of the values the text cites", async () => {
      const page = await (await as(DDETS)).follow(url(`/notes/${DELAYS}`));
      assert.match(
        page.text,
        /<li id="date-donnees">Données arrêtées au <time datetime="2026-10-31">31 octobre 2026<\/time>/,
      );
      const figures = [
        ...page.text.matchAll(
          /<div class="pilotage-figure fr-my-4w" id="figure-([^"]+)">([\s\S]*?)<\/figure>\s*([\s\S]*?)<\/div>\s*\n/g,
        ),
      ];
      assert.deepEqual(
        figures.map((m) => m[1]),
        ["delai-median", "par-tranche", "par-type-de-structure"],
      );
      const sources = [
        ...page.text.matchAll(/<p class="fr-text--xs pilotage-source">\s*([^<]+?)\s*<\/p>/g),
      ].map((m) => m[1]);
      assert.deepEqual(
        sources,
        Array(3).fill("Source : les emplois de l&#39;inclusion — données arrêtées au 31 octobre 2026."),
      );
      const citedRows = [
        ...page.text.matchAll(
          /<tr>\s*<td>([^<]+)<\/td>\s*<td class="pilotage-nombre">[^<]+<\/td>\s*<td>les emplois de l&#39;inclusion<\/td>\s*<td>31 octobre 2026<\/td>/g,
        ),
      ].map((m) => m[1]);
      assert.deepEqual(citedRows, [
        "Candidatures reçues",
        "Part des candidatures qui ont reçu une réponse",
        "Délai médian de réponse",
        "Réponses en 30 jours ou moins",
      ]);
      // The chart comes with its table, and the page prints through its own stylesheet.
      // Drawn on the server since the presentation work (src/views/dashboards/chart.ejs).
      assert.match(page.text, /<figure class="pilotage-graphique pilotage-graphique--/);
      assert.match(page.text, /<link rel="stylesheet" href="\/static\/app\/print.css" media="print">/);
      assert.match(
        page.text,
        /<button type="button" class="[^"]*" id="imprimer" hidden>Imprimer ou enregistrer en PDF<\/button>/,
      );
    });

    it("refuses a reader outside its audiences (403), sends anyone to the login page, and 404s an unknown note", async () => {
      const refused = await (await as(EMPLOYER)).follow(url(`/notes/${WOMEN}`));
      assert.equal(refused.status, 403);
      assert.match(refused.text, /Cette note n&#39;est pas ouverte à votre profil ou à votre périmètre\./);
      const anonymous = await new Browser().get(url(`/notes/${WOMEN}`));
      assert.equal(anonymous.status, 303);
      assert.equal(
        anonymous.headers.get("location"),
        `/connexion?retour=${encodeURIComponent(`/notes/${WOMEN}`)}`,
      );
      await anonymous.body?.cancel();
      const unknown = await (await as(DDETS)).follow(url("/notes/nulle-part"));
      assert.equal(unknown.status, 404);
    });
  });
});
