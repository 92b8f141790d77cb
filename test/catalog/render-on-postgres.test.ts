import assert from "node:assert/strict";
import path from "node:path";
import pg from "pg";
import {
  dashboardCardParameters,
  loadCatalog,
  questionRenderParameters,
  renderQuestion,
  type Catalog,
} from "../../src/catalog/index.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { ALL_DEPARTEMENT_CODES, DEPARTEMENTS } from "../../src/territories/territories.js";
import { createTestDatabase } from "../support/services.js";

/**
 * The example catalogue's questions, rendered with locked values and run on a real Postgres: the SQL the
 * renderer writes must be valid Postgres, and a lock must only ever return its own territory's rows.
 */
describe("rendered questions on Postgres", () => {
  let catalog: Catalog;
  let client: pg.Client;
  let drop: () => Promise<void>;

  before(async () => {
    catalog = await loadCatalog(path.join(PROJECT_ROOT, "test/fixtures/catalog/valid"));
    const db = await createTestDatabase("catalog");
    drop = db.drop;
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`
      CREATE TABLE public.structures (id int PRIMARY KEY, nom text, type text, active bool, categorie_structure text, departement text);
      CREATE TABLE public.candidatures (
        id serial PRIMARY KEY, date_candidature date, origine text, nom_departement_structure text,
        departement_structure text, type_structure text, delai_reponse_jours int, date_traitement date,
        id_structure int, etat text);
      INSERT INTO public.structures VALUES
        (1001, 'ACI Bondy', 'ACI', true, 'IAE', '93'), (1002, 'EI Montreuil', 'EI', true, 'IAE', '93'),
        (2001, 'ACI Créteil', 'ACI', true, 'IAE', '94'), (3001, 'EA Aubervilliers', 'EA', true, 'Hors IAE', '93');
      INSERT INTO public.candidatures
        (date_candidature, origine, nom_departement_structure, departement_structure, type_structure,
         delai_reponse_jours, date_traitement, id_structure, etat) VALUES
        ('2024-01-10', 'Prescripteur habilité', '93 - Seine-Saint-Denis', '93', 'ACI', 5, '2024-01-15', 1001, 'Candidature acceptée'),
        ('2024-01-31', 'Candidat', '93 - Seine-Saint-Denis', '93', 'EI', 9, '2024-02-09', 1002, 'Candidature refusée'),
        ('2024-02-01', 'Candidat', '93 - Seine-Saint-Denis', '93', 'EI', NULL, NULL, 1002, 'Nouvelle candidature'),
        ('2024-01-15', 'Prescripteur habilité', '94 - Val-de-Marne', '94', 'ACI', 3, '2024-01-18', 2001, 'Candidature acceptée'),
        ('2025-03-01', 'Employeur', '93 - Seine-Saint-Denis', '93', 'ACI', 1, '2025-03-02', 1001, 'Candidature acceptée');
    `);
  });

  after(async () => {
    await client?.end();
    await drop?.();
  });

  async function runCard(dashboardKey: string, index: number, values: Record<string, unknown>) {
    const dashboard = catalog.dashboards.find((d) => d.key === dashboardKey)!;
    const card = dashboard.cards[index]!;
    const question = catalog.questions.find((q) => q.key === card.question)!;
    const rendered = renderQuestion(question, dashboardCardParameters(dashboard, card, question, values), {
      now: new Date("2024-02-15T12:00:00Z"),
    });
    return (await client.query(rendered.sql, rendered.values)).rows;
  }

  it("keeps a département lock to its département, with a month period", async () => {
    const rows = await runCard("candidatures-du-territoire", 0, {
      departement: ["93 - Seine-Saint-Denis"],
      periode: "2024-01",
    });
    assert.deepEqual(
      // `date` values are strings once src/storage/database.ts set its type parser, Dates otherwise.
      rows.map((r) => [
        (r.mois instanceof Date ? r.mois.toISOString() : String(r.mois)).slice(0, 10),
        r.origine,
        Number(r.candidatures),
      ]),
      [
        ["2024-01-01", "Candidat", 1],
        ["2024-01-01", "Prescripteur habilité", 1],
      ],
    );
  });

  it("applies Metabase's exclusive 'before' and the relative periods on a date column", async () => {
    const before = await runCard("candidatures-du-territoire", 0, {
      departement: ["93 - Seine-Saint-Denis"],
      periode: "~2024-01-31",
    });
    assert.deepEqual(
      before.map((r) => [r.origine, Number(r.candidatures)]),
      [["Prescripteur habilité", 1]],
    );
    const lastMonth = await runCard("candidatures-du-territoire", 0, {
      departement: ["93 - Seine-Saint-Denis", "94 - Val-de-Marne"],
      periode: "lastmonth",
    });
    assert.equal(
      lastMonth.reduce((n, r) => n + Number(r.candidatures), 0),
      3,
    );
  });

  it("uses the dashboard default period when the viewer chose none", async () => {
    const rows = await runCard("candidatures-du-territoire", 0, { departement: ["93 - Seine-Saint-Denis"] });
    // past12months on 2024-02-15: February 2023 to January 2024.
    assert.deepEqual(
      rows.map((r) => Number(r.candidatures)),
      [1, 1],
    );
  });

  it("runs a national lock (all 101 labels) and a single-value card", async () => {
    const national = DEPARTEMENTS.map((d) => d.libelle);
    const rows = await runCard("candidatures-du-territoire", 1, { departement: national });
    // Every treated candidature (delays 1, 3, 5, 9), from every département.
    assert.equal(Number(rows[0].delai_median_jours), 4);
    assert.equal(ALL_DEPARTEMENT_CODES.length, 101);
  });

  it("keeps an employer to its structures through IN ({{structures}}), with the dashboard's default year", async () => {
    const rows = await runCard("candidatures-employeur", 0, { structures: ["1001", "1002"] });
    assert.deepEqual(rows, [{ structure: "ACI Bondy", etat: "Candidature acceptée", candidatures: "1" }]);
    const other = await runCard("candidatures-employeur", 0, { structures: ["2001"], annee: 2024 });
    assert.deepEqual(other, [{ structure: "ACI Créteil", etat: "Candidature acceptée", candidatures: "1" }]);
  });

  it("runs a public question without any filter (1 = 1)", async () => {
    const question = catalog.questions.find((q) => q.key === "public/structures-par-type")!;
    const all = renderQuestion(question, questionRenderParameters(question, {}));
    assert.deepEqual((await client.query(all.sql, all.values)).rows, [
      { type: "ACI", structures: "2" },
      { type: "EI", structures: "1" },
    ]);
    const only94 = renderQuestion(question, questionRenderParameters(question, { departement: ["94"] }));
    assert.deepEqual((await client.query(only94.sql, only94.values)).rows, [
      { type: "ACI", structures: "1" },
    ]);
  });
});
