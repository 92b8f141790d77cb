import assert from "node:assert/strict";
import type { Dashboard } from "../../src/catalog/index.js";
import { exportHref } from "../../src/dashboards/dashboard-pages.js";
import { recentYears, type FilterList } from "../../src/dashboards/filter-values.js";
import { cardValues, choiceSummary, readFilterChoice, withChoice } from "../../src/dashboards/filters.js";
import { testContent } from "../support/app.js";

/** Issue 17: filters people can use, read from the URL (pure). */

const TODAY = { year: 2026, month: 11, day: 29 };
const CUTOFF = { year: 2026, month: 10, day: 31 };

async function dashboard(key: string): Promise<Dashboard> {
  return (await testContent()).catalog.dashboards.find((d) => d.key === key)!;
}

function listsOf(d: Dashboard): Record<string, FilterList> {
  return Object.fromEntries(
    d.parameters.flatMap((p) => (p.values ? [[p.slug, { values: p.values, truncated: false }]] : [])),
  );
}

describe("filters read from the URL", () => {
  it("lays a short list as checkboxes (several values) or a select, a period as a picker, the rest as fields", async () => {
    const d = await dashboard("candidatures-recues-par-les-siae");
    const choice = readFilterChoice(d, {}, { today: TODAY, cutoff: CUTOFF, lists: listsOf(d) });
    assert.deepEqual(
      choice.fields.map((f) => [f.parameter.slug, f.widget, f.options.length]),
      [
        ["periode", "period", 8],
        ["type_structure", "checkboxes", 7],
      ],
    );
    const periode = choice.fields[0]!;
    assert.deepEqual(
      periode.options.filter((o) => o.selected).map((o) => o.label),
      ["Les 12 derniers mois"],
    );
    assert.deepEqual(periode.period, {
      from: "",
      to: "",
      reads: "du 1er novembre 2025 au 31 octobre 2026",
    });
    assert.deepEqual(choice.values, {}, "no choice: the defaults apply when the cards run");
  });

  it("reads repeated values from the list, ignores locked and unknown names", async () => {
    const d = await dashboard("candidatures-recues-par-les-siae");
    const choice = readFilterChoice(
      d,
      { departement: "13", periode: "past3months", type_structure: ["ACI", "EI"], inconnu: "x" },
      { today: TODAY, cutoff: CUTOFF, lists: listsOf(d) },
    );
    assert.deepEqual(choice.values, { periode: "past3months", type_structure: ["ACI", "EI"] });
    assert.deepEqual(choice.errors, []);
    assert.deepEqual(
      choice.fields[1]!.options.filter((o) => o.selected).map((o) => o.value),
      ["ACI", "EI"],
    );
    assert.equal(
      choiceSummary(choice),
      "Les 3 derniers mois · type de structure : Atelier et chantier d'insertion (ACI), Entreprise d'insertion (EI)",
      "what the folded filters' button says",
    );
    assert.deepEqual(cardValues(choice, { departement: ["93"] }), {
      periode: "past3months",
      type_structure: ["ACI", "EI"],
      departement: ["93"],
    });
  });

  it("refuses a value outside the list, in French, naming the choices (case counts, as in the data)", async () => {
    const d = await dashboard("candidatures-recues-par-les-siae");
    const choice = readFilterChoice(
      d,
      { type_structure: ["aci"] },
      { today: TODAY, cutoff: CUTOFF, lists: listsOf(d) },
    );
    assert.deepEqual(choice.values, {});
    assert.deepEqual(choice.errors, [
      {
        slug: "type_structure",
        message:
          "« Type de structure » : « aci » n'est pas une valeur proposée (ACI, AI, EI, ETTI, EITI, EA, GEIQ).",
      },
    ]);
  });

  it("takes dates of one's own, both or neither, in order", async () => {
    const d = await dashboard("pass-iae");
    const read = (query: Record<string, unknown>) =>
      readFilterChoice(d, query, { today: TODAY, cutoff: CUTOFF });
    const own = read({
      filtres: "1",
      periode: "past12months",
      periode_du: "2025-01-01",
      periode_au: "2025-06-30",
    });
    assert.deepEqual(own.values, { periode: "2025-01-01~2025-06-30" });
    assert.equal(own.fields[0]!.period?.reads, "du 1er janvier 2025 au 30 juin 2025");
    assert.deepEqual(read({ periode: "2025-01-01~2025-06-30" }).fields[0]!.period, {
      from: "2025-01-01",
      to: "2025-06-30",
      reads: "du 1er janvier 2025 au 30 juin 2025",
    });
    assert.deepEqual(
      read({ periode_du: "2025-01-01" }).errors.map((e) => e.message),
      ["« Période » : choisissez la date de début et la date de fin."],
    );
    assert.deepEqual(
      read({ periode_du: "2025-06-30", periode_au: "2025-01-01" }).errors.map((e) => e.message),
      ["« Période » : la date de début vient après la date de fin."],
    );
    assert.deepEqual(
      read({ periode: "the-old-days" }).errors.map((e) => e.message),
      ["« Période » : période non reconnue."],
    );
  });

  it("reads years from the list of the data's years", async () => {
    const etp = await dashboard("etp-conventionnes-et-realises");
    const lists = { annee: { values: recentYears(CUTOFF), truncated: false } };
    const read = (query: Record<string, unknown>) =>
      readFilterChoice(etp, query, { today: TODAY, cutoff: CUTOFF, lists });
    assert.deepEqual(read({ annee: "2025" }).values, { annee: 2025 });
    assert.equal(read({}).fields[0]!.widget, "select");
    assert.deepEqual(
      read({ annee: "deux-mille" }).errors.map((e) => e.message),
      ["« Année » : « deux-mille » n'est pas une valeur proposée (2026, 2025, 2024, 2023, 2022)."],
    );
  });

  it("lets the locks win over anything the choice holds", () => {
    const choice = { values: { departement: ["13"] }, cleared: new Set<string>(), fields: [], errors: [] };
    assert.deepEqual(cardValues(choice, { departement: ["93"] }), { departement: ["93"] });
  });

  it("drops the default of a filter the form emptied (unchecked, or « Toute la période »), and the export link follows", async () => {
    const d = await dashboard("pass-iae");
    const cleared = readFilterChoice(d, { filtres: "1", periode: "" }, { today: TODAY, cutoff: CUTOFF });
    assert.deepEqual([...cleared.cleared], ["periode"]);
    assert.equal(withChoice(d, cleared).parameters.find((p) => p.slug === "periode")?.default, undefined);
    const { catalog } = await testContent();
    const q = catalog.questions.find((x) => x.key === "iae/pass-iae-par-mois")!;
    const card = d.cards.find((c) => c.question === q.key)!;
    assert.equal(
      exportHref(d, card, q, cleared),
      "/api/questions/iae%2Fpass-iae-par-mois/data?format=csv&dialect=excel-fr",
    );
    assert.equal(
      exportHref(d, card, q, cleared, "xlsx"),
      "/api/questions/iae%2Fpass-iae-par-mois/data?format=xlsx",
    );
    const recues = await dashboard("candidatures-recues-par-les-siae");
    const none = readFilterChoice(
      recues,
      { filtres: "1", periode: "past6months" },
      { today: TODAY, cutoff: CUTOFF, lists: listsOf(recues) },
    );
    assert.deepEqual(
      [...none.cleared],
      ["type_structure"],
      "no box ticked: the submitted form means all types",
    );
  });
});
