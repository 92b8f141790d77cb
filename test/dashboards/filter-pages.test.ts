import assert from "node:assert/strict";
import { catalogWarnings, cutoffDay, type Catalog, type Dashboard } from "../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { createFilterValues } from "../../src/dashboards/filter-values.js";
import { dashboardParametersPayload } from "../../src/metabase/payloads.js";
import { loadSyncDefinitions } from "../../src/metabase/catalog-adapter.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { readLoadMarker } from "../../src/warehouse/load-marker.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { documentedProfile } from "../support/demo-profiles.js";
import { Browser, browserPerAccount } from "../support/login.js";

/**
 * Issue 17, « filters people can use »: lists (a select, checkboxes, a searchable field), a period picker,
 * the choice in the URL with a reset link, a French 400 for a value outside the list, lists computed
 * under the viewer's locks, every card reached, and no Metabase parameter drawing its list from a card.
 */
const DDETS = "agent.ddets93@demo.pilotage.test";
const DREETS = "agent.dreets-idf@demo.pilotage.test";
const PAGE = "/tableaux-de-bord/candidatures-recues-par-les-siae";

function checkboxes(html: string, slug: string): Array<[string, boolean]> {
  return [
    ...html.matchAll(
      new RegExp(`<input type="checkbox" id="[^"]+" name="${slug}" value="([^"]*)" ?(checked)?>`, "g"),
    ),
  ].map((m) => [m[1]!, m[2] === "checked"]);
}

describe("filters on the dashboard pages (issue 17)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let catalog: Catalog;
  const as = browserPerAccount(() => stack.baseUrl);
  const url = (path: string) => `${stack.baseUrl}${path}`;

  before(async () => {
    stack = await startLoginStack({ provider: { accounts: [...DEMO_ACCOUNTS] } });
    catalog = (await testContent()).catalog;
  });
  after(() => stack.close());

  it("offers lists: checkboxes for the structure types, a period picker, the choice kept in the URL with a reset link", async () => {
    const browser = await as(DDETS);
    const plain = await browser.follow(url(PAGE));
    assert.equal(plain.status, 200);
    assert.deepEqual(
      checkboxes(plain.text, "type_structure").map(([value]) => value),
      ["ACI", "AI", "EI", "ETTI", "EITI", "EA", "GEIQ"],
    );
    assert.match(
      plain.text,
      /<label class="fr-label" for="filtre-type_structure-0">Atelier et chantier d&#39;insertion \(ACI\)<\/label>/,
    );
    assert.match(plain.text, /<option value="past12months" selected>Les 12 derniers mois<\/option>/);
    assert.match(
      plain.text,
      /Soit du 1er novembre 2025 au 31 octobre 2026, d&#39;après la date d&#39;arrêt des données\./,
    );
    assert.match(plain.text, /<input type="hidden" name="filtres" value="1">/);
    assert.match(
      plain.text,
      /<a class="fr-btn fr-btn--tertiary-no-outline fr-icon-refresh-line" href="\/tableaux-de-bord\/candidatures-recues-par-les-siae">Réinitialiser les filtres<\/a>/,
    );

    // The form's own query string: bookmarkable, and read back as it was sent.
    const chosen = await browser.follow(
      url(`${PAGE}?filtres=1&periode=past6months&type_structure=ACI&type_structure=EI`),
    );
    assert.equal(chosen.status, 200);
    assert.deepEqual(
      checkboxes(chosen.text, "type_structure")
        .filter(([, on]) => on)
        .map(([value]) => value),
      ["ACI", "EI"],
    );
    assert.match(chosen.text, /<option value="past6months" selected>Les 6 derniers mois<\/option>/);
    // Every card runs with it: six French CSV and six XLSX links (the sixth card, by département and
    // bassin, feeds the comparison of issue 19), each with both types and the six months of data.
    const links = [...chosen.text.matchAll(/href="(\/api\/questions\/[^"]+)"/g)].map((m) =>
      m[1]!.replaceAll("&amp;", "&"),
    );
    assert.deepEqual(
      links.map((link) => new URL(link, "http://x").searchParams.get("format")),
      ["csv", "xlsx", "csv", "xlsx", "csv", "xlsx", "csv", "xlsx", "csv", "xlsx", "csv", "xlsx"],
    );
    for (const link of links)
      assert.match(link, /&periode=2026-05-01%7E2026-10-31&type_structure=ACI&type_structure=EI$/);
    assert.notDeepEqual(
      chosen.text.match(/<tbody>[\s\S]*?<\/tbody>/g),
      plain.text.match(/<tbody>[\s\S]*?<\/tbody>/g),
    );
  });

  it("answers a French 400 for a value outside the list — the case counts, as in the data — the defaults standing in", async () => {
    const browser = await as(DDETS);
    const wrong = await browser.follow(url(`${PAGE}?type_structure=aci`));
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /<title>Erreur : Candidatures reçues par les SIAE/);
    assert.match(
      wrong.text,
      /<li><a href="#filtre-type_structure">« Type de structure » : « aci » n&#39;est pas une valeur proposée \(ACI, AI, EI, ETTI, EITI, EA, GEIQ\)\.<\/a><\/li>/,
    );
    const plain = await browser.follow(url(PAGE));
    assert.deepEqual(
      wrong.text.match(/<tbody>[\s\S]*?<\/tbody>/g),
      plain.text.match(/<tbody>[\s\S]*?<\/tbody>/g),
    );
  });

  it("computes a column's list under the viewer's locks: the 93's prescriber types, not the région's", async () => {
    const dashboard = catalog.dashboards.find((d) => d.key === "orientations-des-prescripteurs")!;
    const warehouse = stack.testStack.deps.warehouse;
    const cutoff = cutoffDay((await readLoadMarker(warehouse))?.cutoffDate)!;
    const values = createFilterValues({ catalog, warehouse });
    const listFor = async (email: string) => {
      const access = dashboardAccess(documentedProfile(email)!, dashboard);
      assert.ok(access.allowed);
      const lists = await values.lists(dashboard, access.locks, {
        cutoff,
        dataVersion: "v",
        now: new Date(),
      });
      return lists["type_org_prescripteur"]!.values.map((v) => v.value);
    };
    const direct = async (departements: string[]) =>
      (
        await warehouse.query<{ t: string }>(
          "SELECT DISTINCT type_org_prescripteur AS t FROM entrepot.candidatures WHERE departement_org = ANY($1) AND type_org_prescripteur IS NOT NULL ORDER BY 1",
          [departements],
        )
      ).rows.map((r) => r.t);
    const of93 = await listFor(DDETS);
    assert.deepEqual(of93, await direct(["93"]));
    assert.deepEqual(await listFor(DREETS), await direct(["75", "77", "78", "91", "92", "93", "94", "95"]));
    assert.ok(of93.length > 3, of93.join(", "));

    // On a table the locks filter through another column than the list's, a value seen only outside the
    // perimeter is never listed: structures' names, 93 against all of France.
    const names: Dashboard = {
      ...dashboard,
      parameters: [
        ...dashboard.parameters,
        {
          slug: "structure",
          label: "Structure",
          type: "text",
          multiple: false,
          valuesFrom: "entrepot.candidatures.nom_structure",
        },
      ],
    };
    const access = dashboardAccess(documentedProfile(DDETS)!, names);
    assert.ok(access.allowed);
    const of93Names = (
      await values.lists(names, access.locks, { cutoff, dataVersion: "v", now: new Date() })
    )["structure"]!.values.map((v) => v.value);
    const all = (
      await warehouse.query<{ n: string }>("SELECT DISTINCT nom_structure AS n FROM entrepot.candidatures")
    ).rows.map((r) => r.n);
    const expected = (
      await warehouse.query<{ n: string }>(
        "SELECT DISTINCT nom_structure AS n FROM entrepot.candidatures WHERE departement_org = '93' ORDER BY 1 LIMIT 1001",
      )
    ).rows.map((r) => r.n);
    assert.deepEqual(of93Names, expected.slice(0, 1000));
    assert.ok(all.length > of93Names.length);
  });

  it("shows that list on the page, and a searchable field past fifty choices", async () => {
    const page = await (await as(DDETS)).follow(url("/tableaux-de-bord/orientations-des-prescripteurs"));
    assert.ok(checkboxes(page.text, "type_org_prescripteur").length > 3);
    // Codes read as what they are (value_labels), the code staying the value sent.
    assert.match(
      page.text,
      /name="type_org_prescripteur" value="ML" ?>\s*<label class="fr-label" for="[^"]+">Mission locale<\/label>/,
    );
    const publicPage = await new Browser().follow(url("/public/structures-par-type-et-departement"));
    assert.match(
      publicPage.text,
      /<input class="fr-input" id="filtre-departement" name="departement" value=""\s+list="filtre-departement-valeurs" autocomplete="off"/,
    );
    assert.match(publicPage.text, /<option value="93">93 - Seine-Saint-Denis<\/option>/);
  });

  it("validate: every starter filter reaches every card filtering its column (no warning)", () => {
    assert.deepEqual(catalogWarnings(catalog), []);
  });

  it("in Metabase, a parameter's list is a static list or none, never drawn from a card", async () => {
    const { definitions } = await loadSyncDefinitions(PROJECT_ROOT);
    const parameters = definitions.dashboards.flatMap((d) => dashboardParametersPayload(d));
    assert.deepEqual(
      parameters.filter((p) => p.values_source_type !== undefined && p.values_source_type !== "static-list"),
      [],
    );
    const recues = definitions.dashboards.find((d) => d.key === "candidatures-recues-par-les-siae")!;
    const type = dashboardParametersPayload(recues).find((p) => p.slug === "type_structure")!;
    assert.equal(type.values_query_type, "list");
    assert.equal(type.values_source_type, "static-list");
    assert.deepEqual((type.values_source_config as { values: unknown[] }).values[0], [
      "ACI",
      "Atelier et chantier d'insertion (ACI)",
    ]);
    const prescripteurs = definitions.dashboards.find((d) => d.key === "orientations-des-prescripteurs")!;
    assert.deepEqual(
      dashboardParametersPayload(prescripteurs).find((p) => p.slug === "type_org_prescripteur"),
      {
        id: dashboardParametersPayload(prescripteurs).find((p) => p.slug === "type_org_prescripteur")!.id,
        name: "Type de prescripteur",
        slug: "type_org_prescripteur",
        type: "string/=",
        sectionId: "string",
        values_query_type: "none",
      },
      "a list that depends on the perimeter stays the gateway's: Metabase shows a plain field",
    );
  });
});
