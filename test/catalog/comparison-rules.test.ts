import assert from "node:assert/strict";
import { loadCatalog, validateCatalog, type Catalog } from "../../src/catalog/index.js";
import { PROJECT_ROOT } from "../../src/project-root.js";

/** `validate`'s rules on a dashboard's `comparison:` (issue 19), on the repository's catalogue changed in memory. */
describe("validate: comparing territories", () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalog(PROJECT_ROOT);
  });

  const withComparison = (
    key: string,
    change: (c: NonNullable<Catalog["dashboards"][number]["comparison"]>) => object,
  ) => ({
    ...catalog,
    dashboards: catalog.dashboards.map((d) =>
      d.key === key && d.comparison ? { ...d, comparison: { ...d.comparison, ...change(d.comparison) } } : d,
    ),
  });
  const comparisonProblems = (c: Catalog) =>
    validateCatalog(c)
      .filter((p) => p.rule.startsWith("comparison."))
      .map((p) => [p.rule, p.file, p.message]);

  it("accepts the repository's comparisons", () => {
    assert.ok(catalog.dashboards.filter((d) => d.comparison).length >= 2);
    assert.deepEqual(comparisonProblems(catalog), []);
  });

  it("refuses a question that is not a card of the dashboard, and a column the question does not describe", () => {
    const key = "etp-conventionnes-et-realises";
    const file = catalog.dashboards.find((d) => d.key === key)!.file;
    assert.deepEqual(comparisonProblems(withComparison(key, () => ({ question: "iae/motifs-de-refus" }))), [
      [
        "comparison.not-a-card",
        file,
        "La comparaison porte sur « iae/motifs-de-refus », qui n'est pas une carte de ce tableau de bord.",
      ],
    ]);
    assert.deepEqual(comparisonProblems(withComparison(key, () => ({ numerator: "etp_prevus" }))), [
      [
        "comparison.missing-column",
        file,
        "La question « iae/etp-par-territoire » ne décrit pas la colonne « etp_prevus » dont la comparaison a besoin.",
      ],
    ]);
    assert.deepEqual(
      comparisonProblems(withComparison(key, () => ({ question: "iae/etp-realises-par-structure" }))).map(
        (p) => p[2],
      ),
      [
        "La question « iae/etp-realises-par-structure » ne décrit pas la colonne « code_departement » dont la comparaison a besoin.",
        "La question « iae/etp-realises-par-structure » ne décrit pas la colonne « code_bassin » dont la comparaison a besoin.",
      ],
    );
  });
});
