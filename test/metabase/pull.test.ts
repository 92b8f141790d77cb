import assert from "node:assert/strict";
import type { PlanEntry } from "../../src/metabase/plan.js";
import { planPull, pullDashboardFile, pullQuestionFile } from "../../src/metabase/pull.js";

const QUESTION = `/* ---
name: Candidatures par mois
description: >
  Candidatures reçues par les SIAE,
  par mois.
collection: iae # where it lives
display: bar
visualization:
  graph.dimensions: [mois]
parameters:
  departement:
    type: field filter
    column: entrepot.candidatures.departement
    label: Département
    required: true
--- */
SELECT mois, count(*) AS n
FROM entrepot.candidatures
WHERE {{departement}}
GROUP BY 1
`;

const DASHBOARD = `title: Mon territoire
description: Candidatures.
collection: iae
audiences: [ddets, dreets]
parameters:
  - slug: departement
    label: Département
    type: text
    locked: departements
cards:
  # the main chart
  - question: iae/candidatures
    row: 0
    col: 0
    size_x: 12
    size_y: 6
    mappings:
      departement: departement
  - question: iae/structures
    row: 0
    col: 12
    size_x: 12
    size_y: 6
    mappings:
      departement: departement
`;

function entry(partial: Partial<PlanEntry>): PlanEntry {
  return {
    model: "card",
    key: "iae/candidatures",
    label: "",
    action: "update",
    metabaseId: 1,
    origin: "metabase",
    changes: [],
    warnings: [],
    notes: [],
    ...partial,
  };
}

describe("pull: UI edits back into the files", () => {
  it("rewrites a question's SQL and metadata, keeping the header's comments and styles", () => {
    const { text } = pullQuestionFile(
      QUESTION,
      entry({
        changes: [
          { field: "name", before: "Candidatures mensuelles", after: "Candidatures par mois" },
          { field: "description", before: "Texte revu dans Metabase.", after: "…" },
          {
            field: "visualizationSettings",
            before: { "graph.dimensions": ["mois"], "graph.show_values": true },
            after: {},
          },
          {
            field: "sql",
            before:
              "SELECT mois, count(DISTINCT id) AS n\nFROM entrepot.candidatures\nWHERE {{departement}}\nGROUP BY 1",
            after: "",
          },
        ],
      }),
    );
    assert.equal(
      text,
      `/* ---
name: Candidatures mensuelles
description: >
  Texte revu dans Metabase.
collection: iae # where it lives
display: bar
visualization:
  graph.dimensions: [mois]
  graph.show_values: true
parameters:
  departement:
    type: field filter
    column: entrepot.candidatures.departement
    label: Département
    required: true
--- */
SELECT mois, count(DISTINCT id) AS n
FROM entrepot.candidatures
WHERE {{departement}}
GROUP BY 1
`,
    );
  });

  it("moves and resizes a dashboard's cards, keeps its comments, and reports what it does not pull", () => {
    const card = (question: string, row: number, col: number, sizeX = 12) => ({
      question,
      row,
      col,
      sizeX,
      sizeY: 6,
      mappings: { departement: "departement" },
      visualizationSettings: {},
    });
    const { text, notes } = pullDashboardFile(
      DASHBOARD,
      entry({
        model: "dashboard",
        key: "territoire",
        changes: [
          { field: "name", before: "Mon territoire (revu)", after: "Mon territoire" },
          {
            field: "dashcards",
            before: [card("iae/candidatures", 0, 0, 24), card("iae/structures", 6, 0), card("#77", 12, 0)],
            after: [card("iae/candidatures", 0, 0), card("iae/structures", 0, 12)],
          },
        ],
      }),
    );
    assert.equal(
      text,
      DASHBOARD.replace("title: Mon territoire", "title: Mon territoire (revu)")
        .replace(
          "size_x: 12\n    size_y: 6\n    mappings:\n      departement: departement\n  - question: iae/structures",
          "size_x: 24\n    size_y: 6\n    mappings:\n      departement: departement\n  - question: iae/structures",
        )
        .replace("row: 0\n    col: 12", "row: 6\n    col: 0"),
    );
    assert.deepEqual(notes, [
      "carte #77 ajoutée dans Metabase : non rapatriée, ajoutez-la au fichier si elle doit rester",
    ]);
  });

  it("pulls drift only, never over a pending file edit, and says what it leaves to apply", () => {
    const files = new Map([
      ["card:iae/candidatures", { file: "sql/iae/candidatures.sql", text: QUESTION }],
      ["card:iae/structures", { file: "sql/iae/structures.sql", text: QUESTION }],
    ]);
    const result = planPull(
      {
        siteUrl: "",
        metabaseVersion: "",
        conflicts: [],
        warnings: [],
        breaches: [],
        hasChanges: true,
        entries: [
          entry({
            changes: [
              { field: "display", before: "line", after: "bar" },
              { field: "embeddingParams", before: {}, after: { departement: "locked" } },
            ],
          }),
          entry({
            key: "iae/structures",
            origin: "fichiers",
            changes: [{ field: "display", before: "line", after: "bar" }],
          }),
        ],
      },
      files,
    );
    assert.deepEqual(
      result.edits.map((e) => e.file),
      ["sql/iae/candidatures.sql"],
    );
    assert.match(result.edits[0]!.after, /^display: line$/m);
    assert.deepEqual(result.notes, [
      "question iae/candidatures : verrous et filtres d'intégration modifiés dans Metabase ne sont pas rapatriés ; `pilotage apply` remettra la version des fichiers.",
      "question iae/structures : modifié dans les fichiers depuis le dernier apply (ou jamais appliqué) ; rien n'est rapatrié pour ne pas écraser ces modifications — réconciliez à la main avec `pilotage plan`.",
    ]);
  });

  describe("keeps the files' YAML styles (issue 18)", () => {
    /** A header whose description is folded by hand at 60 columns: the yaml library would re-fold it at 80. */
    const FOLDED = `/* ---
name: Délai de réponse
description: >
  Délai entre la candidature et la réponse de la structure,
  en jours, médiane et neuvième décile.
collection: iae
display: "bar"
audiences: [ddets, dreets]
parameters:
  departement: { type: field filter, column: entrepot.candidatures.departement, label: Département, required: true }
--- */
SELECT 1
`;

    it("changes only the edited field: an untouched folded description, quotes and flow maps stay as written", () => {
      const { text } = pullQuestionFile(
        FOLDED,
        entry({
          changes: [{ field: "name", before: "Délai de réponse (jours)", after: "Délai de réponse" }],
        }),
      );
      assert.equal(text, FOLDED.replace("name: Délai de réponse", "name: Délai de réponse (jours)"));
    });

    it("rewrites an edited folded description as a folded block, and an edited quoted value quoted", () => {
      const { text } = pullQuestionFile(
        FOLDED,
        entry({
          changes: [
            { field: "description", before: "Délai médian de réponse.", after: "…" },
            { field: "display", before: "line", after: "bar" },
          ],
        }),
      );
      assert.equal(
        text,
        FOLDED.replace(
          "description: >\n  Délai entre la candidature et la réponse de la structure,\n  en jours, médiane et neuvième décile.\n",
          "description: >\n  Délai médian de réponse.\n",
        ).replace('display: "bar"', 'display: "line"'),
      );
    });

    it("adds a description Metabase gained after the last key, and removes one Metabase emptied", () => {
      const without = FOLDED.replace(
        "description: >\n  Délai entre la candidature et la réponse de la structure,\n  en jours, médiane et neuvième décile.\n",
        "",
      );
      const added = pullQuestionFile(
        without,
        entry({ changes: [{ field: "description", before: "Ajoutée dans Metabase.", after: "" }] }),
      );
      assert.equal(added.text, without.replace("--- */", "description: Ajoutée dans Metabase.\n--- */"));
      const removed = pullQuestionFile(
        FOLDED,
        entry({ changes: [{ field: "description", before: "", after: "Délai…" }] }),
      );
      assert.equal(removed.text, without);
    });

    it("leaves a dashboard file untouched when its only drift is its embedding settings", () => {
      const folded = DASHBOARD.replace(
        "description: Candidatures.",
        "description: >\n  Candidatures reçues,\n  par mois.",
      );
      const files = new Map([
        ["dashboard:territoire", { file: "metabase-config/dashboards/territoire.yaml", text: folded }],
      ]);
      const result = planPull(
        {
          siteUrl: "",
          metabaseVersion: "",
          conflicts: [],
          warnings: [],
          breaches: [],
          hasChanges: true,
          entries: [
            entry({
              model: "dashboard",
              key: "territoire",
              changes: [
                { field: "enableEmbedding", before: false, after: true },
                {
                  field: "embeddingParams",
                  before: { departement: "enabled" },
                  after: { departement: "locked" },
                },
              ],
            }),
          ],
        },
        files,
      );
      assert.deepEqual(result.edits, []);
      assert.deepEqual(result.notes, [
        "tableau de bord territoire : intégration, verrous et filtres d'intégration modifiés dans Metabase ne sont pas rapatriés ; `pilotage apply` remettra la version des fichiers.",
      ]);
    });

    it("keeps a long plain title on its line when only a card moved", () => {
      const long = DASHBOARD.replace(
        "title: Mon territoire",
        "title: Mon territoire, ses candidatures, ses structures et leurs délais de réponse, mois par mois, depuis 2021",
      );
      const moved = (row: number) => ({
        question: "iae/structures",
        row,
        col: 12,
        sizeX: 12,
        sizeY: 6,
        mappings: { departement: "departement" },
        visualizationSettings: {},
      });
      const { text } = pullDashboardFile(
        long,
        entry({
          model: "dashboard",
          key: "territoire",
          changes: [{ field: "dashcards", before: [moved(6)], after: [moved(0)] }],
        }),
      );
      assert.equal(text, long.replace("row: 0\n    col: 12", "row: 6\n    col: 12"));
    });
  });
});
