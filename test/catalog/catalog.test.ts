import assert from "node:assert/strict";
import path from "node:path";
import {
  CatalogError,
  dashboardCardParameters,
  loadCatalog,
  questionCardParameters,
  questionTemplateTags,
  readCatalog,
  renderQuestion,
  templateTagId,
  validateCatalog,
  type Catalog,
} from "../../src/catalog/index.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { catalogTree } from "../support/catalog-tree.js";

const VALID = path.join(PROJECT_ROOT, "test/fixtures/catalog/valid");

async function rulesOf(files: Record<string, string>, options = {}): Promise<string[]> {
  const { catalog, problems } = await readCatalog(await catalogTree(files, options));
  return (problems.length > 0 ? problems : validateCatalog(catalog)).map((p) => p.rule);
}

function question(header: string, sql: string): string {
  return `/* ---\n${header.trim()}\n--- */\n${sql}\n`;
}

const DEPARTEMENT_FF = `
  departement:
    type: field filter
    column: public.candidatures.nom_departement_structure
    label: Département
    required: true
    multiple: true`;

function lockedDashboard(cards: string, extra = ""): string {
  return `title: T
theme: Recrutement
collection: iae
audiences: [ddets]
parameters:
  - slug: departement
    label: Département
    type: text
    locked: departement_labels
${extra}cards:
${cards}`;
}

describe("catalog loading", () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalog(VALID);
  });

  it("derives question keys from paths and reads the header", () => {
    const q = catalog.questions.find((x) => x.key === "iae/candidatures-par-mois")!;
    assert.equal(q.file, "sql/iae/candidatures-par-mois.sql");
    assert.equal(q.name, "Candidatures reçues par mois");
    assert.equal(q.collection, "iae");
    assert.equal(q.display, "bar");
    assert.deepEqual(q.visualization, {
      "graph.dimensions": ["mois", "origine"],
      "graph.metrics": ["candidatures"],
      "stackable.stack_type": "stacked",
    });
    assert.equal(q.sqlLine, 28);
    assert.ok(q.sql.startsWith("SELECT\n  date_trunc('month', date_candidature)::date AS mois,"));
    assert.ok(!q.sql.includes("---"), "the header is not part of the SQL sent to Metabase");
    assert.deepEqual(q.parameters, [
      {
        tag: "departement",
        type: "field filter",
        label: "Département",
        required: true,
        multiple: true,
        column: "public.candidatures.nom_departement_structure",
      },
      {
        tag: "periode",
        type: "field filter",
        label: "Période",
        required: false,
        multiple: false,
        column: "public.candidatures.date_candidature",
        columnType: "date",
      },
      { tag: "type_structure", type: "text", label: "Type de structure", required: false, multiple: false },
    ]);
    assert.match(q.contentVersion, /^[0-9a-f]{16}$/);
  });

  it("honours a pinned key", () => {
    assert.ok(catalog.questions.some((q) => q.key === "public/structures-par-type"));
  });

  it("reads dashboards, their locks, cards and optional fields", () => {
    const d = catalog.dashboards.find((x) => x.key === "candidatures-du-territoire")!;
    assert.deepEqual(
      { ...d, contentVersion: "…", location: "…" },
      {
        key: "candidatures-du-territoire",
        file: "metabase-config/dashboards/candidatures-du-territoire.yaml",
        title: "Candidatures reçues par les SIAE de mon territoire",
        description: "Volume, origine et délai de traitement des candidatures reçues par les SIAE.",
        theme: "Recrutement",
        collection: "iae",
        audiences: ["ddets", "dreets", "dgefp", "conseil_departemental", "france_travail"],
        public: false,
        parameters: [
          {
            slug: "departement",
            label: "Département",
            type: "text",
            multiple: true,
            locked: "departement_labels",
          },
          { slug: "periode", label: "Période", type: "date range", default: "past12months", multiple: false },
        ],
        cards: [
          {
            question: "iae/candidatures-par-mois",
            row: 0,
            col: 0,
            sizeX: 16,
            sizeY: 8,
            mappings: { departement: "departement", periode: "periode" },
          },
          {
            question: "iae/delai-de-reponse",
            row: 0,
            col: 16,
            sizeX: 8,
            sizeY: 4,
            mappings: { departement: "departement" },
          },
        ],
        feedbackUrl: "https://tally.so/r/exemple",
        mayBeWithdrawn: false,
        source: "les emplois de l'inclusion",
        contentVersion: "…",
        location: "…",
      },
    );
  });

  it("reads the repository's profile kinds with the perimeter attributes each provides", async () => {
    const real = await loadCatalog(PROJECT_ROOT);
    assert.deepEqual(
      real.profileKinds.map((k) => [k.key, k.scope, k.provides]),
      [
        ["ddets", "departement", ["departements", "departement_labels", "bassins", "epci"]],
        ["dreets", "region", ["departements", "departement_labels", "region", "bassins", "epci"]],
        ["dgefp", "national", ["departements", "departement_labels", "bassins", "epci"]],
        ["conseil_departemental", "departement", ["departements", "departement_labels", "bassins", "epci"]],
        [
          "france_travail",
          "safir",
          ["departements", "departement_labels", "organisation", "bassins", "epci"],
        ],
        ["prescripteur", "organisation", ["organisation", "departements", "departement_labels"]],
        ["reseau_iae", "reseau", ["reseau", "structures"]],
        ["employeur_siae", "structures", ["structures"]],
        ["staff", "national", ["departements", "departement_labels", "bassins", "epci"]],
      ],
    );
  });

  it("throws CatalogError listing every file-level problem", async () => {
    await assert.rejects(
      loadCatalog(path.join(PROJECT_ROOT, "test/fixtures/catalog/broken/unreadable")),
      (error) => {
        assert.ok(error instanceof CatalogError);
        assert.equal(error.problems.length, 8);
        assert.ok(error.problems.every((p) => p.file && p.message && p.hint));
        return true;
      },
    );
  });

  it("requires the profile kinds file", async () => {
    assert.deepEqual(await rulesOf({}, { withConfig: false }), ["profile-kinds.missing"]);
  });
});

describe("content versions", () => {
  const header = `name: Candidatures
collection: iae
display: table
visualization:
  table.pivot: false
parameters:
  annee:
    type: number
    label: Année
    default: 2024`;
  const sql =
    "SELECT count(*) FROM public.candidatures\nWHERE extract(year FROM date_candidature) = {{annee}}";

  async function versionOf(files: Record<string, string>, key = "iae/q"): Promise<string> {
    const catalog = await loadCatalog(await catalogTree(files));
    return catalog.questions.find((q) => q.key === key)!.contentVersion;
  }

  it("ignores formatting-only edits of the metadata and a rename with a pinned key", async () => {
    const base = await versionOf({ "sql/iae/q.sql": question(header, sql) });
    const reformatted = `# A comment
display: "table"
parameters: { annee: { label: 'Année', default: 2024, type: number } }
visualization: { "table.pivot": false }
collection: iae
name: "Candidatures"`;
    assert.equal(await versionOf({ "sql/iae/q.sql": question(reformatted, `${sql}   \r\n\n`) }), base);
    assert.equal(await versionOf({ "sql/iae/renamed.sql": question(`key: iae/q\n${header}`, sql) }), base);
  });

  it("changes with the SQL, a label, a default or the visualization", async () => {
    const base = await versionOf({ "sql/iae/q.sql": question(header, sql) });
    const variants = [
      question(header, sql.replace("count(*)", "count(DISTINCT id)")),
      question(header.replace("label: Année", "label: Année de candidature"), sql),
      question(header.replace("default: 2024", "default: 2025"), sql),
      question(header.replace("table.pivot: false", "table.pivot: true"), sql),
    ];
    for (const variant of variants) {
      assert.notEqual(await versionOf({ "sql/iae/q.sql": variant }), base);
    }
  });

  it("versions dashboards independently of card order in the file", async () => {
    const card = (q: string, col: number) =>
      `  - question: ${q}\n    row: 0\n    col: ${col}\n    size_x: 6\n    size_y: 4\n`;
    const dashboard = (cards: string) =>
      `title: T\ntheme: Recrutement\ncollection: iae\naudiences: [ddets, dgefp]\ncards:\n${cards}`;
    const load = async (text: string) =>
      (await loadCatalog(await catalogTree({ "metabase-config/dashboards/d.yaml": text }))).dashboards[0]!
        .contentVersion;
    const a = await load(dashboard(card("x/a", 0) + card("x/b", 6)));
    assert.equal(
      await load(dashboard(card("x/b", 6) + card("x/a", 0)).replace("ddets, dgefp", "dgefp, ddets")),
      a,
    );
    assert.notEqual(await load(dashboard(card("x/a", 0) + card("x/b", 12))), a);
  });
});

describe("Metabase shapes of a question", () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalog(VALID);
  });

  it("builds template tags with our column dimension and stable ids", () => {
    const q = catalog.questions.find((x) => x.key === "iae/candidatures-par-mois")!;
    assert.deepEqual(questionTemplateTags(q), {
      departement: {
        name: "departement",
        "display-name": "Département",
        id: templateTagId(q.key, "departement"),
        required: true,
        type: "dimension",
        dimension: ["pilotage-column", "public.candidatures.nom_departement_structure"],
        "widget-type": "string/=",
      },
      periode: {
        name: "periode",
        "display-name": "Période",
        id: templateTagId(q.key, "periode"),
        required: false,
        type: "dimension",
        dimension: ["pilotage-column", "public.candidatures.date_candidature"],
        "widget-type": "date/all-options",
      },
      type_structure: {
        name: "type_structure",
        "display-name": "Type de structure",
        id: templateTagId(q.key, "type_structure"),
        required: false,
        type: "text",
      },
    });
    assert.match(
      templateTagId(q.key, "departement"),
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.notEqual(
      templateTagId(q.key, "departement"),
      templateTagId("iae/delai-de-reponse", "departement"),
    );
    assert.deepEqual(
      questionCardParameters(q).map((p) => [p.slug, p.type, p.target]),
      [
        ["departement", "string/=", ["dimension", ["template-tag", "departement"]]],
        ["periode", "date/all-options", ["dimension", ["template-tag", "periode"]]],
        ["type_structure", "category", ["variable", ["template-tag", "type_structure"]]],
      ],
    );
  });

  it("renders a dashboard card with its locked and editable values, as Metabase would", () => {
    const d = catalog.dashboards.find((x) => x.key === "candidatures-du-territoire")!;
    const card = d.cards[0]!;
    const q = catalog.questions.find((x) => x.key === card.question)!;
    const params = dashboardCardParameters(d, card, q, {
      departement: ["93 - Seine-Saint-Denis", "94 - Val-de-Marne"],
      periode: "2024-01-01~2024-03-31",
    });
    const rendered = renderQuestion(q, params);
    assert.deepEqual(rendered.values, [
      "93 - Seine-Saint-Denis",
      "94 - Val-de-Marne",
      "2024-01-01",
      "2024-03-31",
    ]);
    assert.ok(rendered.sql.includes(`WHERE "public"."candidatures"."nom_departement_structure" IN ($1, $2)`));
    assert.ok(rendered.sql.includes(`AND "public"."candidatures"."date_candidature" BETWEEN $3 AND $4`));
    assert.ok(!rendered.sql.includes("type_structure = "), "the optional clause without a value is dropped");
  });
});

describe("validation rules not covered by the fixtures", () => {
  const card = (mappings: string, col = 0) =>
    `  - question: iae/q\n    row: 0\n    col: ${col}\n    size_x: 6\n    size_y: 4\n    mappings:\n${mappings}`;

  it("refuses a locked parameter fed to a tag the SQL never uses", async () => {
    const files = {
      "sql/iae/q.sql": question(
        `name: Q\ncollection: iae\ndisplay: table\nparameters:${DEPARTEMENT_FF}`,
        "SELECT 1",
      ),
      "metabase-config/dashboards/d.yaml": lockedDashboard(card("      departement: departement\n")),
    };
    assert.deepEqual(await rulesOf(files), ["lock.tag-unused", "question.parameter-unused"]);
  });

  it("refuses a default on a locked parameter and a non-text département lock", async () => {
    const files = {
      "sql/iae/q.sql": question(
        `name: Q\ncollection: iae\ndisplay: table\nparameters:${DEPARTEMENT_FF}`,
        "SELECT 1 WHERE {{departement}}",
      ),
      "metabase-config/dashboards/d.yaml": lockedDashboard(card("      departement: departement\n")).replace(
        "    type: text\n",
        "    type: number\n    default: 93\n",
      ),
    };
    assert.deepEqual(await rulesOf(files), [
      "lock.default",
      "lock.attribute-type",
      "dashboard.type-mismatch",
    ]);
  });

  it("refuses a bassin or EPCI lock without a département lock beside it (a straddling one would widen)", async () => {
    const bassinQuestion = question(
      `name: Q\ncollection: iae\ndisplay: table\nparameters:
  bassin:
    type: field filter
    column: entrepot.candidatures.code_bassin_emploi_structure
    label: Bassin d'emploi
    required: true
    multiple: true`,
      "SELECT 1 WHERE {{bassin}}",
    );
    const dashboard = lockedDashboard(card("      bassin: bassin\n"))
      .replace("  - slug: departement\n    label: Département\n", "  - slug: bassin\n    label: Bassin\n")
      .replace("locked: departement_labels", "locked: bassins");
    const files = { "sql/iae/q.sql": bassinQuestion, "metabase-config/dashboards/d.yaml": dashboard };
    assert.deepEqual(await rulesOf(files), ["lock.territory-without-departement"]);
    const epci = {
      ...files,
      "metabase-config/dashboards/d.yaml": dashboard.replace("locked: bassins", "locked: epci"),
    };
    assert.deepEqual(await rulesOf(epci), ["lock.territory-without-departement"]);
  });

  it("refuses a tag fed twice, several values into a single-value tag, and duplicate slugs", async () => {
    const files = {
      "sql/iae/q.sql": question(
        "name: Q\ncollection: iae\ndisplay: table\nparameters:\n  t:\n    type: text\n    label: T",
        "SELECT 1 [[WHERE a = {{t}}]]",
      ),
      "metabase-config/dashboards/d.yaml": `title: T
theme: Recrutement
collection: iae
audiences: [ddets]
parameters:
  - slug: a
    label: A
    type: text
    multiple: true
  - slug: b
    label: B
    type: text
  - slug: b
    label: B bis
    type: text
cards:
${card("      a: t\n      b: t\n")}`,
    };
    assert.deepEqual(await rulesOf(files), [
      "dashboard.duplicate-slug",
      "dashboard.multiple-mismatch",
      "dashboard.tag-fed-twice",
    ]);
  });

  it("reports SQL the template language cannot parse, with Metabase's reason", async () => {
    const root = await catalogTree({
      "sql/iae/q.sql": question("name: Q\ncollection: iae\ndisplay: table", "SELECT 1\nWHERE [[a = 1]]"),
    });
    const problems = validateCatalog(await loadCatalog(root));
    assert.deepEqual(problems, [
      {
        rule: "question.sql-invalid",
        file: "sql/iae/q.sql",
        line: 6,
        message:
          "Le SQL ne suit pas le langage de gabarits de Metabase : [[...]] clauses must contain at least one '{{...}}' clause.",
        hint: "Vérifiez que chaque {{ a son }} et chaque [[ son ]], et que chaque clause [[ … ]] contient au moins un {{tag}}.",
      },
    ]);
  });

  it("refuses column settings on a plain variable, and several values for a date variable", async () => {
    const files = {
      "sql/iae/q.sql": question(
        "name: Q\ncollection: iae\ndisplay: table\nparameters:\n  d:\n    type: date\n    label: D\n    multiple: true\n    column: public.t.d",
        "SELECT 1 WHERE d = {{d}}",
      ),
    };
    // Sorted by line: the parameter (line 6), then its `column` (line 9).
    assert.deepEqual(await rulesOf(files), ["question.multiple-date", "question.column-not-field-filter"]);
  });

  it("checks dashboard defaults and duplicate dashboard keys", async () => {
    const dashboard = (key: string, extra: string) =>
      `key: ${key}\ntitle: T\ntheme: Recrutement\ncollection: iae\npublic: true\n${extra}`;
    const files = {
      "metabase-config/dashboards/a.yaml": dashboard("meme", ""),
      "metabase-config/dashboards/b.yaml": dashboard(
        "meme",
        "parameters:\n  - slug: p\n    label: P\n    type: date range\n    default: bientot\n",
      ),
    };
    assert.deepEqual(await rulesOf(files), [
      "duplicate.dashboard-key",
      "dashboard.parameter-unused",
      "dashboard.default-invalid",
    ]);
  });

  it("checks profile kinds against the gateway's and collections' parents", async () => {
    const root = await catalogTree({
      "metabase-config/profile-kinds.yaml": `profile_kinds:
  ddets: { label: DDETS, scope: departement, provides: [departements] }
  prefet: { label: Préfet, scope: departement, provides: [departements] }
`,
      "metabase-config/collections.yaml": `collections:
  a: { name: A, parent: b }
  b: { name: B, parent: a }
  c: { name: C, parent: inconnue }
`,
    });
    const problems = validateCatalog(await loadCatalog(root)).map((p) => [p.rule, p.message]);
    assert.deepEqual(problems.slice(0, 3), [
      ["collection.cycle", "La collection « a » est son propre ancêtre."],
      ["collection.cycle", "La collection « b » est son propre ancêtre."],
      ["collection.unknown-parent", "La collection « c » a pour parent « inconnue », qui n'existe pas."],
    ]);
    assert.deepEqual(
      problems.slice(3).map(([rule]) => rule),
      [
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.missing",
        "profile-kind.unknown",
      ],
    );
  });
});
