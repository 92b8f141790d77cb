import assert from "node:assert/strict";
import type { Dashboard, QuestionColumn } from "../../src/catalog/index.js";
import type { CardColumn, CardTable } from "../../src/dashboards/card-data.js";
import { cardPeriod, tileOf } from "../../src/dashboards/card-views.js";
import { alignsRight } from "../../src/dashboards/cell-format.js";
import { readFilterChoice } from "../../src/dashboards/filters.js";
import { groupRows } from "../../src/dashboards/grouped-table.js";
import { testContent } from "../support/app.js";

/** Issue 17: key figures and grouped tables (pure). */

const NNBSP = "\u202f";
const CUTOFF = { year: 2026, month: 10, day: 31 };
const TODAY = { year: 2026, month: 11, day: 29 };

function card(column: QuestionColumn): CardColumn {
  return { name: column.name, label: column.label, numeric: false, column, right: alignsRight(column) };
}

async function dashboard(key: string): Promise<Dashboard> {
  return (await testContent()).catalog.dashboards.find((d) => d.key === key)!;
}

describe("key figures", () => {
  const etp = card({ name: "etp", label: "ETP conventionnés", kind: "etp" });
  const before = card({ name: "annee_precedente", label: "L'année précédente", kind: "etp" });

  it("show the value, the period it covers, and the previous period's when the question gives it", () => {
    const table: CardTable = { columns: [etp, before], rows: [["1234.56", "1100"]], truncated: false };
    assert.deepEqual(tileOf(table, "En 2026"), {
      value: `1${NNBSP}234,6`,
      empty: false,
      period: "En 2026",
      previous: { label: "L'année précédente", value: `1${NNBSP}100,0` },
    });
    assert.deepEqual(tileOf({ columns: [etp, before], rows: [[null, null]], truncated: false }, "En 2026"), {
      value: "—",
      empty: true,
      period: "En 2026",
    });
  });

  it("read their period from the filters they are wired to, against the data's cut-off", async () => {
    const recues = await dashboard("candidatures-recues-par-les-siae");
    const tile = recues.cards.find((c) => c.question === "iae/indicateurs/candidatures-recues")!;
    const read = (query: Record<string, unknown>) =>
      readFilterChoice(recues, query, { today: TODAY, cutoff: CUTOFF });
    assert.equal(cardPeriod(recues, tile, read({}), CUTOFF), "Du 1er novembre 2025 au 31 octobre 2026");
    assert.equal(
      cardPeriod(recues, tile, read({ filtres: "1", periode: "" }), CUTOFF),
      "Sur toute la période",
    );
    const etpDashboard = await dashboard("etp-conventionnes-et-realises");
    const etpTile = etpDashboard.cards.find((c) => c.question === "iae/indicateurs/etp-conventionnes")!;
    const anchored = {
      ...etpDashboard,
      parameters: etpDashboard.parameters.map((p) => (p.slug === "annee" ? { ...p, default: 2026 } : p)),
    };
    assert.equal(
      cardPeriod(anchored, etpTile, readFilterChoice(anchored, {}, { today: TODAY, cutoff: CUTOFF }), CUTOFF),
      "En 2026",
    );
  });
});

describe("a long table read per group", () => {
  it("sums what adds up per région, sorted, never a rate, and keeps each région's rows", () => {
    const columns = [
      card({ name: "departement", label: "Département", kind: "territory" }),
      card({ name: "region", label: "Région", kind: "territory" }),
      card({ name: "structures", label: "Structures", kind: "count" }),
      card({ name: "taux", label: "Taux", kind: "percentage", percentScale: "percent" }),
    ];
    const grouped = groupRows(
      {
        columns,
        rows: [
          ["93 - Seine-Saint-Denis", "Île-de-France", "1200", "40"],
          ["01 - Ain", "Auvergne-Rhône-Alpes", 3, "50"],
          ["75 - Paris", "Île-de-France", 30, "60"],
        ],
        truncated: false,
      },
      "region",
      "carte-9",
    )!;
    assert.deepEqual(grouped.headers, [
      { label: "Région", right: false },
      { label: "Structures", right: true },
    ]);
    assert.deepEqual(
      grouped.groups.map((g) => [g.id, g.label, g.totals, g.cells]),
      [
        ["carte-9-groupe-1", "Auvergne-Rhône-Alpes", ["3"], [["01 - Ain", "3", "50,0\u00a0%"]]],
        [
          "carte-9-groupe-2",
          "Île-de-France",
          [`1${NNBSP}230`],
          [
            ["93 - Seine-Saint-Denis", `1${NNBSP}200`, "40,0\u00a0%"],
            ["75 - Paris", "30", "60,0\u00a0%"],
          ],
        ],
      ],
    );
    assert.deepEqual(grouped.total, [`1${NNBSP}233`]);
  });
});
