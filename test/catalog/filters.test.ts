import assert from "node:assert/strict";
import { catalogWarnings, loadCatalog, validateCatalog } from "../../src/catalog/index.js";
import { runCli } from "../../src/cli/run.js";
import { catalogTree } from "../support/catalog-tree.js";

/** `pilotage validate` on filter lists (`values:`, `values_from:`) and its partial-reach warning (issue 17). */

const QUESTION = (name: string, extra = "") => `/* ---
name: ${name}
collection: iae
display: table
parameters:
  departement:
    type: field filter
    column: entrepot.candidatures.departement_structure
    label: Département
    required: true
    multiple: true
  type_structure:
    type: field filter
    column: entrepot.candidatures.type_structure
    label: Type de structure
    multiple: true
${extra}--- */
SELECT count(*) AS n FROM entrepot.candidatures WHERE {{departement}} [[AND {{type_structure}}]]
`;

const card = (question: string, row: number, mappings: string) =>
  `  - question: ${question}\n    row: ${row}\n    col: 0\n    size_x: 24\n    size_y: 4\n    mappings:\n${mappings}`;

function dashboard(parameters: string, cards: string): string {
  return `title: T
theme: Recrutement
collection: iae
audiences: [ddets]
parameters:
  - slug: departement
    label: Département
    type: text
    locked: departements
${parameters}cards:
${cards}`;
}

const BOTH = "      departement: departement\n      type_structure: type_structure\n";
const LOCK_ONLY = "      departement: departement\n";

describe("filter lists in validate", () => {
  it("accepts a written list with labels, a column's values on a table the lock filters, and built-in lists", async () => {
    const root = await catalogTree({
      "sql/iae/a.sql": QUESTION("A"),
      "metabase-config/dashboards/d.yaml": dashboard(
        `  - slug: type_structure
    label: Type de structure
    type: text
    multiple: true
    default: [ACI]
    values: [ACI, { value: EI, label: Entreprise d'insertion }]
`,
        card("iae/a", 0, BOTH),
      ),
    });
    const catalog = await loadCatalog(root);
    assert.deepEqual(validateCatalog(catalog), []);
    assert.deepEqual(catalog.dashboards[0]!.parameters[1]!.values, [
      { value: "ACI", label: "ACI" },
      { value: "EI", label: "Entreprise d'insertion" },
    ]);
  });

  it("refuses what cannot make a list, naming the line", async () => {
    const root = await catalogTree({
      "sql/iae/a.sql": QUESTION("A"),
      "metabase-config/dashboards/d.yaml": dashboard(
        `  - slug: type_structure
    label: Type de structure
    type: text
    multiple: true
    default: [GEIQ]
    values: [ACI, ACI, 12]
  - slug: annee
    label: Année
    type: text
    values_from: years
  - slug: nom
    label: Nom
    type: text
    values_from: entrepot.structures.nom
  - slug: autre
    label: Autre
    type: text
    values_from: pas-une-colonne
`,
        card(
          "iae/a",
          0,
          `${BOTH}      annee: type_structure\n      nom: type_structure\n      autre: type_structure\n`,
        ),
      ),
    });
    const rules = validateCatalog(await loadCatalog(root)).map((p) => [p.rule, p.line, p.message]);
    assert.deepEqual(
      rules.filter(([rule]) => String(rule).startsWith("filter.")),
      [
        [
          "filter.default-not-listed",
          14,
          "La valeur par défaut « GEIQ » du filtre « type_structure » n'est pas dans sa liste.",
        ],
        [
          "filter.values-duplicate",
          15,
          "La valeur « ACI » est deux fois dans la liste du filtre « type_structure ».",
        ],
        ["filter.values-type", 15, "La valeur « 12 » du filtre « type_structure » doit être un texte."],
        [
          "filter.values-from-type",
          19,
          "« values_from: years » donne des années (nombres) : le filtre « annee » doit être de type number.",
        ],
        [
          "filter.values-from-unlocked",
          23,
          "La liste du filtre « nom » vient de entrepot.structures, que le verrou « departement » ne filtre sur aucune carte : elle montrerait des valeurs hors du périmètre.",
        ],
        [
          "filter.values-from-unknown",
          27,
          "« values_from: pas-une-colonne » n'est ni une colonne schema.table.colonne, ni une liste connue (years, departements).",
        ],
      ],
    );
  });

  it("warns, without refusing, about a filter that misses a card filtering the same column", async () => {
    const root = await catalogTree({
      "sql/iae/a.sql": QUESTION("A"),
      "sql/iae/b.sql": QUESTION("B"),
      "metabase-config/dashboards/d.yaml": dashboard(
        "  - slug: type_structure\n    label: Type de structure\n    type: text\n    multiple: true\n",
        card("iae/a", 0, BOTH) + card("iae/b", 4, LOCK_ONLY),
      ),
    });
    const catalog = await loadCatalog(root);
    assert.deepEqual(validateCatalog(catalog), []);
    assert.deepEqual(catalogWarnings(catalog), [
      {
        rule: "filter.partial-reach",
        file: "metabase-config/dashboards/d.yaml",
        line: 10,
        message:
          "Le filtre « Type de structure » n'agit pas sur la carte iae/b, qui filtre pourtant la même colonne (entrepot.candidatures.type_structure) par {{type_structure}} : cette carte resterait non filtrée.",
        hint: "Reliez « type_structure: type_structure » dans les « mappings » de cette carte.",
      },
    ]);
    let err = "";
    let out = "";
    const code = await runCli(["validate", "--root", root], {
      env: {},
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
    });
    assert.equal(code, 0);
    assert.match(out, /, 1 avertissement\.\n$/);
    assert.match(
      err,
      /^attention : metabase-config\/dashboards\/d\.yaml:10 — Le filtre « Type de structure » n'agit pas sur la carte iae\/b/,
    );
  });
});
