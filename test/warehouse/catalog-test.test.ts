import assert from "node:assert/strict";
import path from "node:path";
import type { QuestionColumn } from "../../src/catalog/index.js";
import { runCli, type CliIo } from "../../src/cli/run.js";
import type { Database } from "../../src/storage/database.js";
import { shapeProblems, type CatalogTestReport } from "../../src/warehouse/catalog-test.js";
import {
  filteredCopyStatements,
  inFilteredWarehouse,
  perimeterCondition,
} from "../../src/warehouse/filtered-copy.js";
import { seedWarehouse } from "../../src/warehouse/seed.js";
import { warehouseTable } from "../../src/warehouse/tables.js";
import { createTestDatabase } from "../support/services.js";
import { openFreshWarehouse } from "../support/warehouse-database.js";

const LEAKY = path.resolve(import.meta.dirname, "../fixtures/leaky-catalog");

function io(): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("filtered copy of the warehouse (pure)", () => {
  it("keeps a cross-border application in the territory of its structure and of its prescriber", () => {
    assert.equal(
      perimeterCondition(warehouseTable("candidatures"), [
        { attribute: "departements", values: ["93", "2A"] },
      ]),
      "(departement_structure::text = ANY (ARRAY['93', '2A']::text[]) OR departement_org::text = ANY (ARRAY['93', '2A']::text[]))",
    );
  });

  it("combines attributes with AND and quotes values", () => {
    assert.equal(
      perimeterCondition(warehouseTable("structures"), [
        { attribute: "departement_labels", values: ["22 - Côtes-d'Armor"] },
        { attribute: "structures", values: ["1001"] },
      ]),
      "(libelle_departement::text = ANY (ARRAY['22 - Côtes-d''Armor']::text[])) AND (id::text = ANY (ARRAY['1001']::text[]))",
    );
  });

  it("reads a network as its members on tables without a network column, and leaves others whole", () => {
    assert.equal(
      perimeterCondition(warehouseTable("pass_iae"), [{ attribute: "reseau", values: ["4"] }]),
      "(id_structure IN (SELECT id_structure FROM entrepot_complet.reseaux_adherents WHERE id_institution::text = ANY (ARRAY['4']::text[])))",
    );
    assert.equal(
      perimeterCondition(warehouseTable("candidats"), [{ attribute: "departements", values: ["93"] }]),
      null,
    );
    assert.equal(
      perimeterCondition(warehouseTable("ref_epci"), [{ attribute: "reseau", values: ["4"] }]),
      null,
    );
  });

  it("refuses an empty filter rather than building a copy of everything", () => {
    assert.throws(
      () => filteredCopyStatements([{ attribute: "departements", values: [] }]),
      /empty perimeter filter on departements/,
    );
  });
});

describe("declared shape of a question's result", () => {
  const numeric = 1700;
  const text = 25;
  const column = (name: string, kind: QuestionColumn["kind"] = "count"): QuestionColumn => ({
    name,
    label: name.toUpperCase(),
    kind,
  });
  it("accepts the described columns, in order, with what the visualization names as numeric measures", () => {
    assert.deepEqual(
      shapeProblems(
        {
          display: "bar",
          visualization: { "graph.dimensions": ["mois"], "graph.metrics": ["candidatures"] },
          columns: [column("mois", "month"), column("candidatures")],
        },
        { columns: ["mois", "candidatures"], types: [1082, numeric], rows: [] },
      ),
      [],
    );
  });

  it("names duplicate columns, missing and non-numeric measures, and scalars that are not one value", () => {
    assert.deepEqual(
      shapeProblems(
        {
          display: "bar",
          visualization: { "graph.dimensions": ["mois"], "graph.metrics": ["total", "etat"] },
          columns: [column("etat", "text")],
        },
        { columns: ["etat", "etat"], types: [text, text], rows: [] },
      ),
      [
        "la colonne « etat » apparaît deux fois",
        "la visualisation utilise la colonne « mois », absente du résultat",
        "la visualisation utilise la colonne « total », absente du résultat",
        "la mesure « etat » n'est pas numérique",
      ],
    );
    assert.deepEqual(
      shapeProblems(
        { display: "scalar", visualization: {}, columns: [column("n")] },
        { columns: ["n"], types: [numeric], rows: [{ n: 1 }, { n: 2 }] },
      ),
      [
        "un affichage « scalar » attend une seule ligne, une valeur et au plus celle de la période précédente ; le résultat a 1 colonnes et 2 lignes",
      ],
    );
  });

  it("wants exactly the described columns: none undescribed, none missing, in the described order", () => {
    const question = {
      display: "table",
      visualization: {},
      columns: [column("type_structure", "text"), column("candidatures"), column("taux")],
    };
    assert.deepEqual(
      shapeProblems(question, {
        columns: ["type_structure", "candidatures", "delai"],
        types: [text, numeric, numeric],
        rows: [],
      }),
      [
        "la colonne « delai » du résultat n'est pas décrite",
        "la colonne décrite « taux » est absente du résultat",
      ],
    );
    assert.deepEqual(
      shapeProblems(question, {
        columns: ["candidatures", "type_structure", "taux"],
        types: [numeric, text, numeric],
        rows: [],
      }),
      ["les colonnes ne sont pas dans l'ordre décrit (résultat : candidatures, type_structure, taux)"],
    );
    assert.deepEqual(
      shapeProblems(
        { display: "table", visualization: {}, columns: [] },
        { columns: ["etp_conventionnes"], types: [numeric], rows: [] },
      ),
      [
        "ses colonnes ne sont pas décrites (« columns: » dans l'en-tête) : « etp_conventionnes » arriveraient telles quelles aux lecteurs",
      ],
    );
  });
});

describe("pilotage validate and pilotage test on the catalogue", function () {
  this.timeout(240_000);
  let url: string;
  let drop: () => Promise<void>;
  let db: Database;

  before(async () => {
    ({ db, url, drop } = await openFreshWarehouse("whcat"));
    await seedWarehouse(db, { scale: 1 });
  });
  after(async () => {
    await db.close();
    await drop();
  });

  it("pilotage validate accepts the catalogue", async () => {
    const out = io();
    assert.equal(await runCli(["validate"], out), 0, out.err);
  });

  it("pilotage test passes: every question, every allowed sample profile, no leak, hand-computed values", async () => {
    const out = io();
    const code = await runCli(["test", "--database-url", url, "--json"], out);
    const report = JSON.parse(out.out) as CatalogTestReport;
    assert.deepEqual(report.failures, []);
    assert.equal(code, 0);
    assert.ok(report.counts.questions >= 12 && report.counts.dashboards >= 8, JSON.stringify(report.counts));
    assert.ok(report.counts.leakChecks >= 80, `only ${report.counts.leakChecks} leak checks`);
    assert.ok(report.counts.expectations >= 3);
    assert.equal(report.counts.notes, 2);
    const noteRuns = report.runs.filter((r) => r.dashboard?.startsWith("notes/"));
    assert.ok(
      noteRuns.length > 0 && noteRuns.every((r) => r.leakChecked),
      "every note block ran, leak-checked, under the sample profiles",
    );
    const tested = new Set(report.runs.map((r) => r.question));
    assert.equal(tested.size, report.counts.questions, "every question ran");
    const profiles = new Set(report.runs.map((r) => r.profile));
    for (const who of [
      "DDETS 93",
      "DREETS 8 départements",
      "DGEFP France entière",
      "Conseil départemental 33",
      "France Travail 69",
      "Réseau IAE réseau 4",
      "Employeur SIAE structures 1001, 1002, 1003",
    ]) {
      assert.ok(
        [...profiles].some((p) => p.startsWith(who)),
        `no run under ${who}`,
      );
    }
  });

  it("catches the leaky fixture question and names the question and the perimeter", async () => {
    const out = io();
    const code = await runCli(["test", "--root", LEAKY, "--database-url", url, "--json"], out);
    assert.equal(code, 1);
    const report = JSON.parse(out.out) as CatalogTestReport;
    const leaks = report.failures.filter((f) => f.kind === "leak");
    assert.ok(leaks.length > 0);
    assert.deepEqual([...new Set(leaks.map((f) => f.question))], ["iae/taux-acceptation-compare"]);
    const ddets = leaks.find((f) => f.profile?.startsWith("DDETS 93"));
    assert.ok(ddets, "the leak shows under the DDETS 93 perimeter");
    assert.match(
      ddets.message,
      /^Fuite : la question « Taux d'acceptation comparé à la moyenne » \(iae\/taux-acceptation-compare\) du tableau de bord « Taux d'acceptation \(fixture de test\) », sous le périmètre « DDETS 93 \(agent\.ddets93@demo\.pilotage\.test\) »/,
    );
    assert.deepEqual(
      report.failures.filter((f) => f.kind === "expectation").map((f) => f.message),
      [
        "« Taux d'acceptation par type de SIAE » (iae/taux-acceptation) sur l'entrepôt miniature (une valeur fausse exprès) : ligne 1, taux_acceptation_pct : \"50.0\" au lieu de 40.",
        'le bloc « taux-aci » de la note « taux-compare » sur l\'entrepôt miniature (une valeur fausse exprès) : "50.0" au lieu de 40.',
      ],
    );
    // A note's blocks run like dashboard cards: the leak shows under the note too, and a block nobody
    // computed by hand is a failure.
    const noteLeak = leaks.find(
      (f) => f.dashboard === "notes/taux-compare" && f.profile?.startsWith("DDETS 93"),
    );
    assert.ok(noteLeak, "the leak shows through the note");
    assert.match(
      noteLeak.message,
      /^Fuite : la question « Taux d'acceptation comparé à la moyenne » \(iae\/taux-acceptation-compare\) de la note « Taux d'acceptation comparés \(fixture de test\) », sous le périmètre « DDETS 93 /,
    );
    assert.deepEqual(
      report.failures.filter((f) => f.kind === "untested"),
      [
        {
          kind: "untested",
          question: "iae/taux-acceptation",
          dashboard: "notes/taux-compare",
          message:
            "Le bloc « sans-valeur-attendue » de la note « Taux d'acceptation comparés (fixture de test) » (notes/taux-compare.md) n'a pas de valeur attendue dans sql-tests/expectations.yaml (« notes: ») : ajoutez ce qu'il doit donner sur l'entrepôt miniature, calculé à la main.",
        },
      ],
    );
  });

  it("runs a question on a copy that holds only the perimeter's rows, then leaves the warehouse whole", async () => {
    const count = "SELECT count(*)::int AS n FROM entrepot.candidatures";
    const before = (await db.query<{ n: number }>(count)).rows[0]!.n;
    const inCopy = await inFilteredWarehouse(
      db,
      [{ attribute: "departements", values: ["93"] }],
      5_000,
      async (tx) => {
        const rows = await tx.query<{ n: number; outside: number }>(
          `SELECT count(*)::int AS n,
                count(*) FILTER (WHERE departement_structure <> '93' AND departement_org IS DISTINCT FROM '93')::int AS outside
           FROM entrepot.candidatures`,
        );
        return rows.rows[0]!;
      },
    );
    assert.equal(inCopy.outside, 0);
    assert.ok(inCopy.n > 0 && inCopy.n < before);
    assert.equal((await db.query<{ n: number }>(count)).rows[0]!.n, before);
    const schemas = await db.query(
      "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'entrepot%'",
    );
    assert.deepEqual(schemas.rows, [{ schema_name: "entrepot" }]);
  });

  it("refuses a warehouse that pilotage seed did not fill", async () => {
    const empty = await createTestDatabase("whempty");
    try {
      const out = io();
      assert.equal(await runCli(["test", "--database-url", empty.url], out), 1);
      assert.match(out.err, /n'a pas été rempli par « pilotage seed »/);
    } finally {
      await empty.drop();
    }
  });
});
