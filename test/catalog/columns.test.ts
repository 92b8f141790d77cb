import assert from "node:assert/strict";
import { loadCatalog, readCatalog, validateCatalog } from "../../src/catalog/index.js";
import { columnHeader, describedColumn } from "../../src/catalog/columns.js";
import { catalogTree } from "../support/catalog-tree.js";

/** A question's `columns:` (issue 17): how they load, and what `pilotage validate` refuses. */

const HEADER = `name: Délais
collection: iae
display: bar
visualization:
  graph.dimensions: [type_structure]
  graph.metrics: [delai_median]`;
const SQL = "SELECT type_structure, 12 AS delai_median, 0.5 AS part FROM t";

function file(columns: string, header = HEADER): Record<string, string> {
  return { "sql/iae/q.sql": `/* ---\n${header}\ncolumns:\n${columns}\n--- */\n${SQL}\n` };
}

const GOOD = `  - { name: type_structure, label: Type de structure, kind: text }
  - name: delai_median
    label: Délai médian de réponse
    kind: days
    unit: jours
    description: Entre l'envoi et la réponse.
  - { name: part, label: Part acceptée, kind: percentage, percent_scale: ratio, decimals: 0 }`;

describe("question columns", () => {
  it("load in camelCase, in the file's order, and read as headers with their unit", async () => {
    const catalog = await loadCatalog(await catalogTree(file(GOOD)));
    const question = catalog.questions[0]!;
    assert.deepEqual(question.columns, [
      { name: "type_structure", label: "Type de structure", kind: "text" },
      {
        name: "delai_median",
        label: "Délai médian de réponse",
        kind: "days",
        unit: "jours",
        description: "Entre l'envoi et la réponse.",
      },
      { name: "part", label: "Part acceptée", kind: "percentage", percentScale: "ratio", decimals: 0 },
    ]);
    assert.deepEqual(validateCatalog(catalog), []);
    assert.equal(columnHeader(question.columns[1]!), "Délai médian de réponse (jours)");
    assert.deepEqual(describedColumn(question, "autre"), { name: "autre", label: "autre", kind: "text" });
  });

  it("are part of the content version: a new label reaches Metabase's column settings", async () => {
    const version = async (columns: string) =>
      (await loadCatalog(await catalogTree(file(columns)))).questions[0]!.contentVersion;
    assert.notEqual(await version(GOOD.replace("Part acceptée", "Part des acceptées")), await version(GOOD));
  });

  it("refuse a percentage that does not say its scale, a scale elsewhere and an unknown kind", async () => {
    const { problems } = await readCatalog(
      await catalogTree(
        file(`  - { name: type_structure, label: Type, kind: texte }
  - { name: delai_median, label: Délai, kind: days, percent_scale: percent }
  - { name: part, label: Part, kind: percentage }`),
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.rule, p.line, p.message]),
      [
        ["schema", 9, "« columns.0.kind » : valeur « texte » non reconnue."],
        ["schema", 10, "« columns.1.percent_scale » ne s'applique qu'aux colonnes « kind: percentage »."],
        [
          "schema",
          11,
          "« columns.2.percent_scale » est obligatoire pour un pourcentage : « ratio » si la valeur est entre 0 et 1, « percent » si elle est entre 0 et 100.",
        ],
      ],
    );
  });

  it("refuse duplicate names and labels, an alias as a label, hand-written column settings and an undescribed chart column", async () => {
    const catalog = await loadCatalog(
      await catalogTree(
        file(
          `  - { name: type_structure, label: Type de structure, kind: text }
  - { name: type_structure, label: Type, kind: text }
  - { name: part, label: type de STRUCTURE, kind: percentage, percent_scale: percent }
  - { name: autre, label: delai_median, kind: count }`,
          `${HEADER}\n  column_settings: {}`,
        ),
      ),
    );
    assert.deepEqual(
      validateCatalog(catalog).map((p) => [p.rule, p.line, p.message]),
      [
        [
          "column.visualization-unknown",
          7,
          "« graph.metrics » nomme la colonne « delai_median », qui n'est pas décrite sous « columns: ».",
        ],
        [
          "question.column-settings-written",
          8,
          "« visualization.column_settings » est écrit à la main : ces réglages sont calculés à partir de « columns: ».",
        ],
        [
          "column.duplicate-name",
          11,
          "La colonne « type_structure » est décrite deux fois (entrées 1 et 2).",
        ],
        [
          "column.duplicate-label",
          12,
          "Le libellé « type de STRUCTURE » est déjà celui de la colonne « type_structure » : deux colonnes d'un même tableau ne peuvent pas porter le même nom.",
        ],
        [
          "column.label-alias",
          13,
          "Le libellé « delai_median » contient « _ » : on dirait un nom de colonne SQL, pas un titre lisible.",
        ],
      ],
    );
  });
});
