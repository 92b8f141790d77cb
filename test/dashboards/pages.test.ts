import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, browserPerAccount, loginAs } from "../support/login.js";
import { getWithBody, tamperedBodies, tamperedQueries } from "../support/tampering.js";
import { ownUnknownAccount } from "../support/unknown-account.js";

/**
 * Issue 8, pages without Metabase (the demo's configuration): the hub, the dashboard pages rendered by the
 * gateway (DSFR chart where it fits, always a table), the public pages, the dashboards API, the usage page,
 * and tampering with locked parameters on the page.
 */
const DDETS = "agent.ddets93@demo.pilotage.test";
const EMPLOYER = "employeur.siae@demo.pilotage.test";
const ADMIN = "admin@demo.pilotage.test";
// An unknown person of our own: whatever another suite did with an unknown person's request, ours
// stays unplaced.
const UNKNOWN = ownUnknownAccount("pages");

/** The dashboards of metabase-config/ a DDETS may open, written out by hand from their audiences. */
const DDETS_DASHBOARDS = [
  "candidatures-recues-par-les-siae",
  "esat",
  "etp-conventionnes-et-realises",
  "femmes-dans-l-iae",
  "orientations-des-prescripteurs",
  "pass-iae",
];
const PUBLIC_DASHBOARDS = ["etp-conventionnes-par-departement", "structures-par-type-et-departement"];

/** The tables of a page (captions, headings, cells), to compare two renderings. */
function tablesOf(html: string): string[] {
  return [...html.matchAll(/<table>[\s\S]*?<\/table>/g)].map((m) => m[0]);
}

describe("dashboard pages without Metabase (issue 8)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  const as = browserPerAccount(() => stack.baseUrl);
  const url = (path: string) => `${stack.baseUrl}${path}`;

  before(async () => {
    stack = await startLoginStack({ provider: { accounts: [...DEMO_ACCOUNTS, UNKNOWN] } });
  });
  after(() => stack.close());

  describe("the hub", () => {
    it("shows a logged-in DDETS agent their dashboards grouped by theme, with the public ones", async () => {
      const page = await (await as(DDETS)).follow(url("/tableaux-de-bord"));
      assert.equal(page.status, 200);
      assert.match(page.text, /<h1>Tableaux de bord<\/h1>/);
      assert.match(page.text, /limités à votre périmètre : <strong>93 - Seine-Saint-Denis<\/strong>/);
      const links = [...page.text.matchAll(/<a href="\/(tableaux-de-bord|public)\/([^"]+)">/g)].map(
        (m) => `${m[1]}/${m[2]}`,
      );
      assert.deepEqual(
        links.sort(),
        [
          ...DDETS_DASHBOARDS.map((k) => `tableaux-de-bord/${k}`),
          ...PUBLIC_DASHBOARDS.map((k) => `public/${k}`),
        ].sort(),
      );
      const themes = [...page.text.matchAll(/<h2 [^>]*id="theme-[^"]+">([^<]+)<\/h2>/g)].map((m) => m[1]);
      assert.deepEqual(themes, [
        "Conventionnement",
        "ESAT",
        "Parcours",
        "Prescription",
        "Publics",
        "Recrutement",
        "Données publiques",
      ]);
    });

    it("shows anyone the public dashboards and a way to log in", async () => {
      const page = await new Browser().follow(url("/tableaux-de-bord"));
      assert.equal(page.status, 200);
      assert.match(page.text, /href="\/connexion\?retour=%2Ftableaux-de-bord">connectez-vous<\/a>/);
      const links = [...page.text.matchAll(/<a href="\/(tableaux-de-bord|public)\/([^"]+)">/g)].map(
        (m) => m[2],
      );
      assert.deepEqual(links.sort(), PUBLIC_DASHBOARDS);
    });

    it("offers an unplaced person the request-access page, never a default perimeter", async () => {
      const browser = await as(UNKNOWN.email);
      const hub = await browser.follow(url("/tableaux-de-bord"));
      assert.match(hub.text, /<a href="\/demande-acces">Demander un accès<\/a>/);
      assert.doesNotMatch(hub.text, /href="\/tableaux-de-bord\//);
      const page = await browser.follow(url("/tableaux-de-bord/pass-iae"));
      assert.equal(new URL(page.url).pathname, "/demande-acces");
    });

    it("sends a placed person from the home page to the hub", async () => {
      const page = await (await as(DDETS)).follow(url("/"));
      assert.equal(new URL(page.url).pathname, "/tableaux-de-bord");
    });
  });

  describe("a dashboard page", () => {
    it("carries the territory in its title, renders every card as a table and the bars as a chart drawn on the server", async () => {
      const page = await (await as(DDETS)).follow(url("/tableaux-de-bord/candidatures-recues-par-les-siae"));
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cache-control"), "no-store");
      assert.match(
        page.text,
        /<h1 id="titre-tableau">Candidatures reçues par les SIAE — 93 - Seine-Saint-Denis<\/h1>/,
      );
      assert.match(page.text, /<title>Candidatures reçues par les SIAE — 93 - Seine-Saint-Denis — Pilotage/);
      assert.doesNotMatch(page.text, /<iframe/);
      const captions = [...page.text.matchAll(/<caption>([^<]+)<\/caption>/g)].map((m) => m[1]);
      assert.deepEqual(captions, [
        "Candidatures reçues par mois et par origine",
        "Taux d&#39;acceptation des candidatures par type de SIAE",
        "Où en sont les candidatures reçues",
        "Délais de prise en compte et de réponse",
        "Motifs de refus des candidatures",
        // The comparison's card (issue 19); a one-département perimeter has no comparison section.
        "Candidatures reçues et acceptées par département et bassin d&#39;emploi",
      ]);
      for (const table of tablesOf(page.text)) assert.match(table, /<th scope="col"/);
      // The monthly bars, stacked by origin: months in French along the axis, origins in the legend.
      assert.match(page.text, /<figure class="pilotage-graphique pilotage-graphique--columns fr-mb-2w">/);
      assert.match(
        page.text,
        /<div class="pilotage-graphique__categories">\s*<span class="">nov\. 2025<\/span>/,
      );
      assert.match(
        page.text,
        /<ul class="pilotage-graphique__legende" aria-hidden="true">[\s\S]*Prescripteur habilité/,
      );
      // The table under it reads as the chart: one row per month, one column per origin.
      assert.match(
        tablesOf(page.text)[0]!,
        /<th scope="col">Mois<\/th>(<th scope="col" class="pilotage-nombre">[^<_]+<\/th>){4}<\/tr>/,
      );
      assert.match(
        page.text,
        /<figure class="pilotage-graphique pilotage-graphique--rows/,
        "the refusal reasons as rows",
      );
      assert.doesNotMatch(page.text, /DSFRChart|<bar-chart|<line-chart/, "no client-side chart library");
    });

    it("links each card's CSV and Excel exports with the editable values, never a locked one, periods as the page read them", async () => {
      const page = await (
        await as(DDETS)
      ).follow(url("/tableaux-de-bord/candidatures-recues-par-les-siae?periode=past3months"));
      const links = [...page.text.matchAll(/href="(\/api\/questions\/[^"]+)"/g)].map((m) =>
        m[1]!.replaceAll("&amp;", "&"),
      );
      // Data stopped on 31 October 2026: the last three months are August to October, whatever today is.
      const periode = "periode=2026-08-01%7E2026-10-31";
      const questions = [
        "candidatures-par-mois-et-origine",
        "taux-acceptation-par-type",
        "candidatures-par-etat",
        "delais-de-traitement",
        "motifs-de-refus",
        // The comparison's card (issue 19).
        "candidatures-par-territoire",
      ];
      assert.deepEqual(
        links,
        questions.flatMap((q) => [
          `/api/questions/iae%2F${q}/data?format=csv&dialect=excel-fr&${periode}`,
          `/api/questions/iae%2F${q}/data?format=xlsx&${periode}`,
        ]),
      );
    });

    it("says when the data stops and where it comes from, from the warehouse's load marker", async () => {
      const page = await (await as(DDETS)).follow(url("/tableaux-de-bord/pass-iae"));
      assert.match(
        page.text,
        /<li id="date-donnees">Données arrêtées au <time datetime="2026-10-31">31 octobre 2026<\/time><\/li>\s*<li>Source : les emplois de l&#39;inclusion<\/li>\s*<li>Chargement : Données synthétiques de démonstration \(pilotage seed\), à l&#39;image des emplois de l&#39;inclusion et de l&#39;ASP<\/li>/,
      );
      const api = await (await as(DDETS)).request(url("/api/dashboards"));
      const body = (await api.json()) as {
        data: unknown;
        dashboards: Array<{ key: string; parameters: Array<{ slug: string; default: unknown }> }>;
      };
      assert.deepEqual(body.data, {
        cutoff_date: "2026-10-31",
        source:
          "Données synthétiques de démonstration (pilotage seed), à l'image des emplois de l'inclusion et de l'ASP",
      });
      // Relative defaults are given as the page reads them: the year and the twelve months of the data.
      assert.deepEqual(
        body.dashboards
          .find((d) => d.key === "femmes-dans-l-iae")
          ?.parameters.map((p) => [p.slug, p.default]),
        [
          ["periode", "2025-11-01~2026-10-31"],
          ["annee", 2026],
        ],
      );
    });

    it("ignores locked parameters in the query string: the tables stay those of the 93", async () => {
      const browser = await as(DDETS);
      const plain = await browser.follow(url("/tableaux-de-bord/pass-iae"));
      const tampered = await browser.follow(url("/tableaux-de-bord/pass-iae?region=93&structures=1"));
      assert.equal(tampered.status, 200);
      assert.deepEqual(tablesOf(tampered.text), tablesOf(plain.text));
      // Since issue 19, `departement` in the address is a narrowing choice: one outside the perimeter is
      // refused (a French 400), never ignored into a page nor widened; a repeated one too.
      for (const query of ["departement=13", "departement=13&departement=75&region=93&structures=1"]) {
        const outside = await browser.follow(url(`/tableaux-de-bord/pass-iae?${query}`));
        assert.equal(outside.status, 400, query);
        assert.deepEqual(tablesOf(outside.text), [], query);
      }
      const national = await (
        await as("agent.dgefp@demo.pilotage.test")
      ).follow(url("/tableaux-de-bord/pass-iae"));
      assert.notDeepEqual(
        tablesOf(national.text),
        tablesOf(plain.text),
        "the oracle can tell perimeters apart",
      );
    });

    it("ignores the perimeter's attribute names, in any form, in the query or a body: the tables stay the perimeter's", async () => {
      for (const [email, key] of [
        [DDETS, "pass-iae"],
        [EMPLOYER, "mes-structures"],
      ] as const) {
        const browser = await as(email);
        const plain = tablesOf((await browser.follow(url(`/tableaux-de-bord/${key}`))).text);
        assert.ok(plain.length > 0);
        for (const [label, query] of tamperedQueries()) {
          const tampered = await browser.follow(url(`/tableaux-de-bord/${key}?${query}`));
          // `epci` is also a narrowing choice (issue 19), which takes one value: several are refused.
          const refused = new URLSearchParams(query).getAll("epci").length > 1;
          assert.equal(tampered.status, refused ? 400 : 200, `${email} ${label}`);
          assert.deepEqual(tablesOf(tampered.text), refused ? [] : plain, `${email} ${label}`);
        }
        const cookie = browser.jar.headerFor(new URL(stack.baseUrl));
        for (const body of tamperedBodies()) {
          const tampered = await getWithBody(url(`/tableaux-de-bord/${key}`), cookie, body);
          assert.equal(tampered.status, 200, `${email} ${body.label}`);
          assert.deepEqual(tablesOf(tampered.text), plain, `${email} ${body.label}`);
        }
      }
    });

    it("applies an editable filter and answers a French 400 for one it cannot read, keeping the default", async () => {
      const browser = await as(DDETS);
      const page = await browser.follow(
        url("/tableaux-de-bord/etp-conventionnes-et-realises?annee=deux-mille"),
      );
      assert.equal(page.status, 400);
      const message =
        "« Année » : « deux-mille » n&#39;est pas une valeur proposée (2026, 2025, 2024, 2023, 2022).";
      assert.ok(page.text.includes(`<p class="fr-error-text" id="filtre-annee-erreur">${message}</p>`));
      // Said first in the title, and summed up above the filters with a link to the field.
      assert.match(
        page.text,
        /<title>Erreur : ETP conventionnés et réalisés — [^<]+ — Pilotage de l'inclusion<\/title>/,
      );
      assert.match(
        page.text,
        /<div class="fr-alert fr-alert--error fr-mb-3w" role="alert" id="filtre-resume-erreurs" tabindex="-1" autofocus>\s*<h3 class="fr-alert__title">Un filtre n&#39;a pas été compris<\/h3>\s*<p>Sa valeur par défaut est utilisée à la place :<\/p>\s*<ul>\s*<li><a href="#filtre-annee">[^<]+<\/a><\/li>\s*<\/ul>\s*<\/div>/,
      );
      const fallback = await browser.follow(
        url("/tableaux-de-bord/etp-conventionnes-et-realises?annee=2026"),
      );
      assert.doesNotMatch(fallback.text, /<title>Erreur/);
      assert.doesNotMatch(fallback.text, /resume-erreurs/);
      assert.deepEqual(tablesOf(page.text), tablesOf(fallback.text));
      const other = await browser.follow(url("/tableaux-de-bord/etp-conventionnes-et-realises?annee=2025"));
      assert.notDeepEqual(tablesOf(other.text), tablesOf(fallback.text));
    });

    it("records a visit, shown to staff on the usage page", async () => {
      // Other suites visit the same dashboards in the shared database: count ours only.
      const visits = async () => {
        const { rows } = await stack.testStack.deps.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM dashboard_visits WHERE dashboard_key = 'esat' AND profile_kind = 'ddets'",
        );
        return Number(rows[0]!.n);
      };
      const before = await visits();
      await (await as(DDETS)).follow(url("/tableaux-de-bord/esat"));
      assert.equal(await visits(), before + 1);
      const usage = await (await as(ADMIN)).follow(url("/admin/usage"));
      assert.equal(usage.status, 200);
      // This week's visit, in a week the page says is not over.
      assert.match(
        usage.text,
        /<tr><td>\d{1,2}(?:er)? [a-zéû]+ \d{4} \(en cours\)<\/td><td>Les ESAT du territoire<\/td>/,
      );
      const refused = await (await as(DDETS)).get(url("/admin/usage"));
      assert.equal(refused.status, 403);
      await refused.body?.cancel();
    });

    it("refuses a dashboard outside the profile's audiences with a French 403 page, and an unknown one with 404", async () => {
      const browser = await as(DDETS);
      const forbidden = await browser.follow(url("/tableaux-de-bord/mes-structures"));
      assert.equal(forbidden.status, 403);
      assert.match(
        forbidden.text,
        /Ce tableau de bord n&#39;est pas ouvert à votre profil ou à votre périmètre\./,
      );
      const unknown = await browser.follow(url("/tableaux-de-bord/nulle-part"));
      assert.equal(unknown.status, 404);
    });

    it("sends an anonymous visitor to the login page, and back", async () => {
      const response = await new Browser().get(url("/tableaux-de-bord/pass-iae?periode=past3months"));
      assert.equal(response.status, 303);
      assert.equal(
        response.headers.get("location"),
        "/connexion?retour=%2Ftableaux-de-bord%2Fpass-iae%3Fperiode%3Dpast3months",
      );
    });

    it("shows the employer their own structures' dashboard", async () => {
      const page = await (await as(EMPLOYER)).follow(url("/tableaux-de-bord/mes-structures"));
      assert.equal(page.status, 200);
      assert.match(page.text, /<h1 id="titre-tableau">Mes structures — vos 3 structures<\/h1>/);
      // ETP month by month as lines, nothing drawn or listed after the data's cut-off (31 October 2026).
      assert.match(page.text, /<figure class="pilotage-graphique pilotage-graphique--lines/);
      assert.doesNotMatch(page.text, /nov\. 2026|déc\. 2026/);
    });

    it("disables the CSV buttons during a staff preview, and says why", async () => {
      const admin = await loginAs(stack.baseUrl, ADMIN);
      await admin.submit(url("/admin/apercu"), { profil: "ddets", departement: "93" });
      const page = await admin.follow(url("/tableaux-de-bord/pass-iae"));
      assert.match(page.text, /<h1 id="titre-tableau">PASS IAE — 93 - Seine-Saint-Denis<\/h1>/);
      assert.doesNotMatch(page.text, /href="\/api\/questions\//);
      assert.match(
        page.text,
        /disabled aria-describedby="carte-3-export-aide">Télécharger \(CSV\)<\/button>/,
      );
      assert.match(
        page.text,
        /id="carte-3-export-aide">Les exports de données sont désactivés pendant l'aperçu\.<\/span>/,
      );
      const [visit] = (
        await stack.testStack.deps.db.query<{ preview: boolean }>(
          "SELECT preview FROM dashboard_visits ORDER BY id DESC LIMIT 1",
        )
      ).rows;
      assert.equal(visit?.preview, true);
    });
  });

  describe("public dashboards", () => {
    it("open without login and without any locked parameter", async () => {
      const page = await new Browser().follow(url("/public/structures-par-type-et-departement"));
      assert.equal(page.status, 200);
      assert.match(
        page.text,
        /<h1 id="titre-tableau">Les structures de l&#39;inclusion dans l&#39;emploi<\/h1>/,
      );
      // A chart first, then the long table as totals per région, each région's départements behind a
      // closed disclosure: a page of a few screens, never 15,000 px.
      assert.match(page.text, /<figure class="pilotage-graphique pilotage-graphique--columns/);
      assert.ok(page.text.indexOf("pilotage-graphique") < page.text.indexOf("totaux par région"));
      assert.match(
        page.text,
        /<caption>Structures de l&#39;inclusion par type et par département — totaux par région<\/caption>/,
      );
      const regions = [...page.text.matchAll(/<tr><th scope="row">([^<]+)<\/th>/g)].map((m) => m[1]);
      assert.ok(regions.includes("Île-de-France") && regions.includes("Ensemble"), regions.join(", "));
      assert.match(
        page.text,
        /<button type="button" class="fr-accordion__btn" aria-expanded="false" aria-controls="carte-4-groupe-\d+">Île-de-France <span class="fr-text--regular fr-ml-1w">\(\d+ lignes\)<\/span><\/button>/,
      );
    });

    it("answer 404 for a private dashboard, and /tableaux-de-bord/ leads to /public/", async () => {
      const anyone = new Browser();
      assert.equal((await anyone.follow(url("/public/pass-iae"))).status, 404);
      const moved = await anyone.get(url("/tableaux-de-bord/etp-conventionnes-par-departement"));
      assert.equal(moved.status, 303);
      assert.equal(moved.headers.get("location"), "/public/etp-conventionnes-par-departement");
    });
  });

  describe("the dashboards API", () => {
    it("lists what the profile may open, with 401 and 403 as JSON", async () => {
      const res = await (await as(DDETS)).get(url("/api/dashboards"));
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        profile: { territory: string };
        dashboards: Array<{ key: string; public: boolean; locked_parameters: string[] }>;
      };
      assert.equal(body.profile.territory, "93 - Seine-Saint-Denis");
      assert.deepEqual(
        body.dashboards.map((d) => d.key).sort(),
        [...DDETS_DASHBOARDS, ...PUBLIC_DASHBOARDS].sort(),
      );
      assert.deepEqual(body.dashboards.find((d) => d.key === "esat")?.locked_parameters, ["departement"]);

      const anonymous = await new Browser().get(url("/api/dashboards"));
      assert.equal(anonymous.status, 401);
      assert.equal(((await anonymous.json()) as { error: string }).error, "unauthenticated");
      const unplaced = await (await as(UNKNOWN.email)).get(url("/api/dashboards"));
      assert.equal(unplaced.status, 403);
      assert.equal(((await unplaced.json()) as { error: string }).error, "no_access");
    });

    it("answers the embed URL with 401, 403, 404 or 503 (Metabase not configured) as JSON, and signs nothing", async () => {
      const db = stack.testStack.deps.db;
      // The last token issued in the shared database (a count would stop at the read's limit).
      const lastIssued = async () => (await readAudit(db, { action: "embed.token_issued", limit: 1 }))[0]?.id;
      const before = await lastIssued();
      const cases: Array<[Browser, string, number, string]> = [
        [new Browser(), "pass-iae", 401, "unauthenticated"],
        [await as(UNKNOWN.email), "pass-iae", 403, "no_access"],
        [await as(DDETS), "mes-structures", 403, "dashboard_forbidden"],
        [await as(DDETS), "nulle-part", 404, "not_found"],
        [await as(DDETS), "pass-iae", 503, "metabase_not_configured"],
      ];
      for (const [browser, key, status, error] of cases) {
        const res = await browser.get(url(`/api/dashboards/${key}/embed`));
        assert.equal(res.status, status, key);
        assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        assert.equal(((await res.json()) as { error: string }).error, error, key);
      }
      assert.equal(await lastIssued(), before);
    });
  });
});
