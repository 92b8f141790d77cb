import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCli } from "../../src/cli/run.js";
import { readMarker } from "../../src/metabase/marker.js";
import type { Database } from "../../src/storage/database.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";
import { createMetabaseTestServer, type MetabaseTestServer } from "../support/metabase-server/index.js";
import { openFreshWarehouse } from "../support/warehouse-database.js";

/**
 * Issue 17: a question's columns reach Metabase as column settings. `apply` writes them on the card (and
 * none on the dashboard's card, so the card's show), `plan` after it is clean, and a column title edited
 * in Metabase — on the card, on a dashboard's card, or saved under the legacy key form — is drift that
 * `pull` brings back into the question's `columns:`. Against the Metabase test server (v0.57.2).
 */
const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/sync/catalog");
const WAREHOUSE_NAME = "Entrepôt Pilotage";
const QUESTION_FILE = "sql/iae/candidatures-par-mois.sql";
const COLUMNS = `columns:
  - { name: mois, label: Mois, kind: month }
  - { name: origine, label: Origine de la candidature, kind: text }
  - { name: candidatures, label: Candidatures reçues, kind: count, unit: candidatures }
`;

const MOIS = JSON.stringify(["name", "mois"]);
const CANDIDATURES = JSON.stringify(["name", "candidatures"]);

describe("column settings through plan, apply and pull (Metabase test server v0.57.2)", function () {
  this.timeout(60_000);
  let gateway: MigratedGateway;
  let warehouse: Database;
  let dropWarehouse: (() => Promise<void>) | undefined;
  let db: Database;
  let server: MetabaseTestServer;
  let root: string;
  let env: Record<string, string>;

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const captured = { out: "", err: "" };
    const code = await runCli([...args, "--root", root], {
      env,
      stdout: (text) => void (captured.out += text),
      stderr: (text) => void (captured.err += text),
    });
    return { code, ...captured };
  }
  const card = () =>
    [...server.state.cards.values()].find(
      (c) => readMarker(c.description).key === "iae/candidatures-par-mois",
    )!;
  const dashboard = () =>
    [...server.state.dashboards.values()].find((d) => readMarker(d.description).key === "territoire")!;
  const header = async () => (await fs.readFile(path.join(root, QUESTION_FILE), "utf8")).split("--- */")[0]!;

  before(async () => {
    ({ db: warehouse, drop: dropWarehouse } = await openFreshWarehouse("mbcols"));
    gateway = await openMigratedGateway("mbcolsgw");
    db = gateway.db;
    await warehouse.exec(`
      CREATE SCHEMA entrepot;
      CREATE TABLE entrepot.candidatures (
        departement text, date_candidature date, origine text, type_structure text, delai_reponse_jours integer
      );
      CREATE TABLE entrepot.structures (departement text, type text);`);
    server = await createMetabaseTestServer({
      version: "v0.57.2",
      warehouse,
      warehouseName: WAREHOUSE_NAME,
      warehouseScope: { schemas: ["entrepot"] },
    });
    root = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-columns-"));
    await fs.cp(FIXTURE, root, { recursive: true });
    const file = path.join(root, QUESTION_FILE);
    const text = await fs.readFile(file, "utf8");
    await fs.writeFile(file, text.replace("--- */", `${COLUMNS}--- */`));
    env = {
      LOG_LEVEL: "silent",
      DATABASE_URL: gateway.url,
      METABASE_SITE_URL: server.url,
      METABASE_EMBEDDING_SECRET_KEY: randomBytes(32).toString("hex"),
      METABASE_API_KEY: server.adminApiKey,
      METABASE_WAREHOUSE_DATABASE: WAREHOUSE_NAME,
    };
  });

  after(async () => {
    await server?.close();
    await db?.close();
    await warehouse?.close();
    await gateway?.drop();
    await dropWarehouse?.();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("apply writes the column settings on the card, none on the dashboard's card, and plan is then clean", async () => {
    const apply = await cli("apply");
    assert.equal(apply.code, 0, apply.err);
    assert.deepEqual(card().visualization_settings, {
      "graph.dimensions": ["mois", "origine"],
      "graph.metrics": ["candidatures"],
      column_settings: {
        [MOIS]: { column_title: "Mois", date_style: "D MMMM, YYYY", date_abbreviate: true },
        [JSON.stringify(["name", "origine"])]: { column_title: "Origine de la candidature" },
        [CANDIDATURES]: {
          column_title: "Candidatures reçues (candidatures)",
          number_style: "decimal",
          decimals: 0,
          number_separators: ", ",
        },
      },
    });
    assert.deepEqual(
      dashboard().dashcards.map((dc) => dc.visualization_settings),
      [{}, {}],
    );
    const plan = await cli("plan");
    assert.equal(plan.code, 0, plan.out);
  });

  it("a title edited on the card is drift that pull writes back as the column's label, its unit left out", async () => {
    const settings = structuredClone(card().visualization_settings) as {
      column_settings: Record<string, Record<string, unknown>>;
    };
    settings.column_settings[CANDIDATURES]!.column_title = "Candidatures déposées (candidatures)";
    settings.column_settings[MOIS]!.column_title = "Mois de dépôt";
    server.editCard(card().id, { visualization_settings: settings });

    const plan = await cli("plan");
    assert.equal(plan.code, 2);
    assert.match(plan.out, /~ modifier question iae\/candidatures-par-mois \(#\d+\) « [^»]+ » \[dérive/);
    assert.match(
      plan.out,
      /colonne candidatures : titre « Candidatures déposées \(candidatures\) » → « Candidatures reçues \(candidatures\) »/,
    );
    assert.match(plan.out, /colonne mois : titre « Mois de dépôt » → « Mois »/);

    const pull = await cli("pull");
    assert.equal(pull.code, 0, pull.err);
    assert.equal(
      (await header()).split("columns:")[1],
      `
  - { name: mois, label: Mois de dépôt, kind: month }
  - { name: origine, label: Origine de la candidature, kind: text }
  - { name: candidatures, label: Candidatures déposées, kind: count, unit: candidatures }
`,
    );
    assert.equal((await cli("apply")).code, 0);
    assert.equal((await cli("plan")).code, 0);
  });

  it("a title edited on a dashboard's card lands in the dashcard's settings: drift, pulled into the question's label", async () => {
    const territoire = dashboard();
    const dashcard = territoire.dashcards.find((dc) => dc.card_id === card().id)!;
    dashcard.visualization_settings = {
      column_settings: { [MOIS]: { column_title: "Mois de la candidature" } },
    };
    server.editDashboard(territoire.id, { dashcards: territoire.dashcards });

    const plan = await cli("plan");
    assert.equal(plan.code, 2);
    assert.match(
      plan.out,
      /carte iae\/candidatures-par-mois : titres de colonnes posés sur le tableau de bord \(mois « Mois de la candidature »\) : les libellés de la question s'appliquent/,
    );
    const pull = await cli("pull");
    assert.equal(pull.code, 0, pull.err);
    assert.match(pull.out, /sql\/iae\/candidatures-par-mois\.sql/);
    assert.match(await header(), /- \{ name: mois, label: Mois de la candidature, kind: month \}/);

    // apply writes the new label on the card and clears the dashboard's own: one label, everywhere.
    assert.equal((await cli("apply")).code, 0);
    assert.equal(
      (card().visualization_settings.column_settings as Record<string, { column_title: string }>)[MOIS]!
        .column_title,
      "Mois de la candidature",
    );
    assert.deepEqual(
      dashboard().dashcards.map((dc) => dc.visualization_settings),
      [{}, {}],
    );
    assert.equal((await cli("plan")).code, 0);
  });

  it("reads a title saved under the legacy key form, and pulls it", async () => {
    const settings = structuredClone(card().visualization_settings) as {
      column_settings: Record<string, Record<string, unknown>>;
    };
    const legacy = JSON.stringify(["ref", ["field", "origine", { "base-type": "type/Text" }]]);
    settings.column_settings[legacy] = { column_title: "Qui l'a envoyée" };
    server.editCard(card().id, { visualization_settings: settings });

    const plan = await cli("plan");
    assert.equal(plan.code, 2);
    assert.match(plan.out, /colonne origine : titre « Qui l'a envoyée » → « Origine de la candidature »/);
    assert.equal((await cli("pull")).code, 0);
    assert.match(await header(), /- \{ name: origine, label: Qui l'a envoyée, kind: text \}/);
    // Metabase reads the legacy key first, so it already shows the pulled label: only the new content
    // version is recorded, nothing is written.
    const apply = await cli("apply");
    assert.equal(apply.code, 0, apply.err);
    assert.match(apply.out, /^Changements : 1 à enregistrer seulement, 8 inchangés\./);
    assert.equal((await cli("plan")).code, 0);
  });
});
