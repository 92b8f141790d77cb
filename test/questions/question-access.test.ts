import assert from "node:assert/strict";
import path from "node:path";
import { checkCatalog, loadCatalog, type Dashboard, type Question } from "../../src/catalog/index.js";
import { BadRequestError } from "../../src/errors.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import {
  ConflictingLocksError,
  parseEditableParameters,
  questionGrant,
  visibleQuestions,
} from "../../src/questions/question-access.js";

const location = { file: "x", line: 1, lines: {} };

function question(key: string, parameters: Question["parameters"]): Question {
  return {
    key,
    file: `sql/${key}.sql`,
    name: key,
    description: "",
    collection: "c",
    display: "table",
    visualization: {},
    sql: "SELECT 1",
    sqlLine: 1,
    parameters,
    columns: [],
    contentVersion: "v",
    template: null,
    location,
  };
}

function dashboard(key: string, overrides: Partial<Dashboard>): Dashboard {
  return {
    key,
    file: `metabase-config/dashboards/${key}.yaml`,
    title: key,
    description: "",
    theme: "t",
    collection: "c",
    audiences: [],
    public: false,
    parameters: [],
    cards: [],
    contentVersion: "v",
    mayBeWithdrawn: false,
    location,
    ...overrides,
  };
}

const candidatures = question("candidatures", [
  {
    tag: "dep",
    type: "field filter",
    label: "Département",
    required: true,
    multiple: true,
    column: "entrepot.candidatures.departement_structure",
  },
  { tag: "annee", type: "number", label: "Année", required: false, multiple: false },
  { tag: "depuis", type: "date", label: "Depuis", required: false, multiple: false },
]);
const structures = question("structures", [
  { tag: "type", type: "text", label: "Type", required: false, multiple: true },
]);
const territorial = dashboard("candidatures-territoire", {
  audiences: ["ddets", "dreets"],
  parameters: [
    { slug: "departement", label: "Département", type: "text", multiple: true, locked: "departements" },
  ],
  cards: [
    { question: "candidatures", row: 0, col: 0, sizeX: 12, sizeY: 6, mappings: { departement: "dep" } },
  ],
});
const open = dashboard("structures-publiques", {
  public: true,
  parameters: [{ slug: "type", label: "Type", type: "text", multiple: true }],
  cards: [{ question: "structures", row: 0, col: 0, sizeX: 12, sizeY: 6, mappings: { type: "type" } }],
});
const catalog = { questions: [candidatures, structures], dashboards: [territorial, open] };
const periodic = question("periodic", [
  {
    tag: "periode",
    type: "field filter",
    label: "Période",
    required: false,
    multiple: false,
    column: "entrepot.candidatures.date_candidature",
    columnType: "date",
  },
]);
const card = (key: string) => ({ question: key, row: 0, col: 0, sizeX: 12, sizeY: 6, mappings: {} });
const ddets = { kind: "ddets" as const, perimeter: { departements: ["93"], region: "11" } };

describe("question access", () => {
  it("shows a question through the dashboards a profile may open, with their locks", () => {
    assert.deepEqual(questionGrant(catalog, ddets, candidatures), {
      question: candidatures,
      locks: { dep: ["93"] },
      dashboards: ["candidatures-territoire"],
    });
  });

  it("shows public questions to everyone, unlocked", () => {
    assert.deepEqual(
      visibleQuestions(catalog, null).map((g) => [g.question.key, g.locks]),
      [["structures", {}]],
    );
    assert.equal(questionGrant(catalog, null, candidatures), null);
    assert.equal(
      questionGrant(catalog, { kind: "employeur_siae", perimeter: { structures: [1] } }, candidatures),
      null,
    );
  });

  it("keeps a tag locked when one of several dashboards locks it", () => {
    const editable = dashboard("candidatures-libre", {
      audiences: ["ddets"],
      parameters: [{ slug: "departement", label: "Département", type: "text", multiple: true }],
      cards: [
        { question: "candidatures", row: 0, col: 0, sizeX: 12, sizeY: 6, mappings: { departement: "dep" } },
      ],
    });
    const grant = questionGrant(
      { questions: catalog.questions, dashboards: [editable, territorial] },
      ddets,
      candidatures,
    );
    assert.deepEqual(grant?.locks, { dep: ["93"] });
    assert.deepEqual(grant?.dashboards, ["candidatures-libre", "candidatures-territoire"]);
  });

  it("refuses a tag two dashboards lock from different attributes, rather than let the last one win", () => {
    const byLabel = dashboard("candidatures-libelles", {
      audiences: ["ddets"],
      parameters: [
        {
          slug: "territoire",
          label: "Territoire",
          type: "text",
          multiple: true,
          locked: "departement_labels",
        },
      ],
      cards: [
        { question: "candidatures", row: 0, col: 0, sizeX: 12, sizeY: 6, mappings: { territoire: "dep" } },
      ],
    });
    for (const dashboards of [
      [territorial, byLabel],
      [byLabel, territorial],
    ]) {
      assert.throws(
        () => questionGrant({ questions: catalog.questions, dashboards }, ddets, candidatures),
        (error: unknown) =>
          error instanceof ConflictingLocksError &&
          error.message === "question candidatures: tag dep is locked to different values by two dashboards",
      );
    }
  });

  it("is reached only by a catalogue validate refuses (lock.conflicting-attributes)", async () => {
    const root = path.join(PROJECT_ROOT, "test/fixtures/catalog/broken/lock-conflicting-attributes");
    assert.deepEqual(
      (await checkCatalog(root)).problems.map((p) => p.rule),
      ["lock.conflicting-attributes"],
    );
    const loaded = await loadCatalog(root);
    const question = loaded.questions.find((q) => q.key === "iae/candidatures-par-departement")!;
    assert.throws(() => questionGrant(loaded, ddets, question), ConflictingLocksError);
  });

  describe("editable parameters from the query string", () => {
    const grant = questionGrant(catalog, ddets, candidatures)!;

    it("parses declared parameters by type", () => {
      assert.deepEqual(
        parseEditableParameters(grant, { format: "csv", annee: "2025", depuis: "2025-01-31" }),
        {
          annee: 2025,
          depuis: "2025-01-31",
        },
      );
    });

    it("takes Metabase's date strings for a date field filter, and refuses anything else", () => {
      const withPeriod = questionGrant(
        {
          questions: [periodic],
          dashboards: [dashboard("periode", { public: true, cards: [card("periodic")] })],
        },
        null,
        periodic,
      )!;
      for (const value of ["2025-01-31", "2025-01-01~2025-03-31", "past12months", "thisyear", "2025-01"]) {
        assert.deepEqual(parseEditableParameters(withPeriod, { periode: value }), { periode: value });
      }
      for (const value of ["31/01/2025", "depuis toujours", "2025-03-01~2025-01-01", "past2weeks"]) {
        assert.throws(
          () => parseEditableParameters(withPeriod, { periode: value }),
          (e: unknown) =>
            e instanceof BadRequestError &&
            e.details?.parameter === "periode" &&
            /période/.test(e.publicMessage),
          value,
        );
      }
    });

    it("refuses a locked parameter, naming it", () => {
      assert.throws(
        () => parseEditableParameters(grant, { dep: "75" }),
        (e: unknown) =>
          e instanceof BadRequestError &&
          e.details?.parameter === "dep" &&
          /verrouillé/.test(e.publicMessage),
      );
    });

    it("refuses a wrong type, an unknown parameter and repeated values of a single one, naming each", () => {
      for (const [query, name, message] of [
        [{ annee: "deux mille" }, "annee", /attend un nombre/],
        [{ depuis: "31/01/2025" }, "depuis", /AAAA-MM-JJ/],
        [{ departement: "75" }, "departement", /n'existe pas/],
        [{ annee: ["2024", "2025"] }, "annee", /qu'une valeur/],
      ] as const) {
        assert.throws(
          () => parseEditableParameters(grant, query),
          (e: unknown) =>
            e instanceof BadRequestError && e.details?.parameter === name && message.test(e.publicMessage),
        );
      }
    });
  });
});
