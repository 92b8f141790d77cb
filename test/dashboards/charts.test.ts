import assert from "node:assert/strict";
import type { QuestionColumn } from "../../src/catalog/index.js";
import { rowsUpTo, type CardColumn, type CardTable } from "../../src/dashboards/card-data.js";
import { alignsRight, formatValue } from "../../src/dashboards/cell-format.js";
import { chartOf, HEIGHT, niceStep } from "../../src/dashboards/chart-model.js";

/** Issue 17: values in French by kind, and charts that don't lie (pure). */

const NNBSP = "\u202f";

function card(column: QuestionColumn, numeric = false): CardColumn {
  return { name: column.name, label: column.label, numeric, column, right: alignsRight(column) };
}

const MOIS = card({ name: "mois", label: "Mois", kind: "month" });
const ORIGINE = card({ name: "origine", label: "Origine", kind: "text" });
const N = card({ name: "n", label: "Candidatures", kind: "count" }, true);

function table(columns: CardColumn[], rows: unknown[][], truncated = false): CardTable {
  return { columns, rows, truncated };
}

describe("values in French, by the column's kind", () => {
  const f = (value: unknown, column: Omit<QuestionColumn, "name" | "label">) =>
    formatValue(value, { name: "x", label: "X", ...column });
  it("counts, percentages on either scale, euros, ETP and days", () => {
    assert.equal(f("1530", { kind: "count" }), `1${NNBSP}530`);
    assert.equal(f(38.46, { kind: "count", decimals: 1 }), "38,5");
    assert.equal(f("45.3", { kind: "percentage", percentScale: "percent" }), "45,3\u00a0%");
    assert.equal(f(0.453, { kind: "percentage", percentScale: "ratio", decimals: 0 }), "45\u00a0%");
    assert.equal(f("12500.4", { kind: "euros" }), `12${NNBSP}500\u00a0€`);
    assert.equal(f("12.25", { kind: "etp" }), "12,3");
    assert.equal(f(9, { kind: "days" }), "9");
  });

  it("months as « déc. 2025 », days as 31/12/2025, from pg's strings and PGlite's dates alike", () => {
    assert.equal(f("2025-12-01", { kind: "month" }), "déc. 2025");
    assert.equal(f(new Date(Date.UTC(2026, 5, 1)), { kind: "month" }), "juin 2026");
    assert.equal(f("2025-12-31", { kind: "date" }), "31/12/2025");
  });

  it("identifiers without separators, text as written, nothing for no value", () => {
    assert.equal(f(1530, { kind: "identifier" }), "1530");
    assert.equal(f("93 - Seine-Saint-Denis", { kind: "territory" }), "93 - Seine-Saint-Denis");
    assert.equal(f(null, { kind: "count" }), "");
    assert.equal(f(true, { kind: "text" }), "oui");
  });

  it("aligns quantities on the right, identifiers and text on the left", () => {
    assert.deepEqual(
      (["count", "percentage", "euros", "etp", "days", "identifier", "month", "text"] as const).map((kind) =>
        alignsRight({ kind }),
      ),
      [true, true, true, true, true, false, false, false],
    );
  });
});

describe("charts that don't lie", () => {
  it("stacks two dimensions from zero, months in French, origins in the legend, the table pivoted", () => {
    const chart = chartOf(
      {
        display: "bar",
        visualization: {
          "graph.dimensions": ["mois", "origine"],
          "graph.metrics": ["n"],
          "stackable.stack_type": "stacked",
        },
      },
      table(
        [MOIS, ORIGINE, N],
        [
          ["2026-01-01", "Candidat", "30"],
          ["2026-01-01", "Employeur", 20],
          ["2026-02-01", "Candidat", 50],
        ],
      ),
    )!;
    assert.equal(chart.type, "columns");
    assert.equal(chart.stacked, true);
    assert.deepEqual(
      chart.categories.map((c) => c.label),
      ["janv. 2026", "févr. 2026"],
    );
    assert.deepEqual(
      chart.series.map((s) => [s.name, s.values]),
      [
        ["Candidat", [30, 50]],
        ["Employeur", [20, null]],
      ],
    );
    // 50 needs a top of 60 with a step of 20 (1, 2, 2.5 or 5 times a power of ten).
    assert.deepEqual(chart.ticks, ["60", "40", "20", "0"]);
    assert.equal(chart.valueTitle, "Candidatures");
    assert.equal(chart.categoryTitle, "Mois");
    // Bars stand on zero: the bottom one ends at the plot's bottom edge, the next sits on it.
    const january = chart.bars.filter((b) => b.x < 500);
    assert.equal(january[0]!.y + january[0]!.height, HEIGHT);
    assert.equal(january[1]!.y + january[1]!.height, january[0]!.y);
    assert.deepEqual(chart.pivot, {
      headers: ["Mois", "Candidat", "Employeur"],
      cells: [
        ["janv. 2026", "30", "20"],
        ["févr. 2026", "50", ""],
      ],
    });
  });

  it("draws a line as straight segments from zero, and leaves a gap where a value is missing", () => {
    const chart = chartOf(
      { display: "line", visualization: {} },
      table(
        [MOIS, N],
        [
          ["2026-01-01", 12],
          ["2026-02-01", 10],
          ["2026-03-01", null],
          ["2026-04-01", 14],
          ["2026-05-01", 13],
        ],
      ),
    )!;
    assert.equal(chart.type, "lines");
    // Two runs of plain points, the missing month not drawn as zero; y = 400 is zero (top 15), never 10.
    assert.deepEqual(
      chart.lines.map((l) => l.points),
      ["100,80 300,133.3", "700,26.7 900,53.3"],
    );
    assert.deepEqual(chart.ticks, ["15", "10", "5", "0"]);
    assert.equal(chart.dots.length, 4);
    const etp = card({ name: "etp", label: "ETP réalisés", kind: "etp" }, true);
    const quarters = chartOf(
      { display: "line", visualization: {} },
      table([MOIS, etp], [["2026-01-01", 9.6]]),
    )!;
    assert.deepEqual(quarters.ticks, ["10,0", "7,5", "5,0", "2,5", "0,0"], "a tick never reads rounded");
  });

  it("lays rows as horizontal bars with their French values, and draws nothing for tables, truncated or crowded data", () => {
    const motif = card({ name: "motif", label: "Motif de refus", kind: "text" });
    const rows = chartOf({ display: "row", visualization: {} }, table([motif, N], [["Autre", 1234]]))!;
    assert.deepEqual(rows.rows, [
      { label: "Autre", bars: [{ percent: 82.3, value: `1${NNBSP}234`, color: "#000091" }] },
    ]);
    assert.equal(chartOf({ display: "table", visualization: {} }, table([motif, N], [["a", 1]])), null);
    assert.equal(chartOf({ display: "bar", visualization: {} }, table([motif, N], [["a", 1]], true)), null);
    const many = Array.from({ length: 61 }, (_, i) => [`p${i}`, i]);
    assert.equal(chartOf({ display: "bar", visualization: {} }, table([motif, N], many)), null);
  });

  it("keeps one colour per group on a line chart, the second measure dashed", () => {
    const structure = card({ name: "structure", label: "Structure", kind: "text" });
    const conventionnes = card({ name: "c", label: "ETP conventionnés", kind: "etp" });
    const realises = card({ name: "r", label: "ETP réalisés", kind: "etp" });
    const chart = chartOf(
      {
        display: "line",
        visualization: { "graph.dimensions": ["mois", "structure"], "graph.metrics": ["c", "r"] },
      },
      table(
        [MOIS, structure, conventionnes, realises],
        [
          ["2026-01-01", "ACI Bondy", 5, 4.5],
          ["2026-01-01", "EI Pantin", 3, 3],
        ],
      ),
    )!;
    assert.deepEqual(
      chart.series.map((s) => [s.name, s.color, s.dash]),
      [
        ["ACI Bondy — ETP conventionnés", "#000091", undefined],
        ["ACI Bondy — ETP réalisés", "#000091", "6 4"],
        ["EI Pantin — ETP conventionnés", "#009081", undefined],
        ["EI Pantin — ETP réalisés", "#009081", "6 4"],
      ],
    );
    assert.equal(chart.valueTitle, "ETP");
  });

  it("shows at most twelve category labels, on a phone as many as fit, and short ones all", () => {
    const rows = Array.from({ length: 24 }, (_, i) => [
      `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}-01`,
      i,
    ]);
    const chart = chartOf({ display: "line", visualization: {} }, table([MOIS, N], rows))!;
    assert.equal(chart.categories.filter((c) => c.shown).length, 12);
    assert.equal(chart.categories.filter((c) => c.shown && !c.secondary).length, 6);
    const types = chartOf(
      { display: "bar", visualization: {} },
      table(
        [card({ name: "type", label: "Type", kind: "text" }), N],
        ["ACI", "EI", "EA", "AI", "ETTI", "GEIQ", "EITI", "EATT", "OPCS"].map((t, i) => [t, i + 1]),
      ),
    )!;
    assert.equal(types.categories.filter((c) => c.shown && !c.secondary).length, 9);
  });

  it("keeps rows up to the cut-off: a calendar month after it is not data", () => {
    const etp = card({ name: "etp", label: "ETP réalisés", kind: "etp" }, true);
    const { table: kept, dropped } = rowsUpTo(
      table(
        [MOIS, etp],
        [
          ["2026-10-01", 12],
          ["2026-11-01", 0],
          ["2026-12-01", 0],
        ],
      ),
      { year: 2026, month: 10, day: 31 },
    );
    assert.deepEqual(kept.rows, [["2026-10-01", 12]]);
    assert.equal(dropped, 2);
  });

  it("rounds its axis step to 1, 2, 2.5 or 5 times a power of ten, and to a whole step for whole values", () => {
    assert.deepEqual([niceStep(50), niceStep(7), niceStep(0.9), niceStep(12_500)], [20, 2, 0.25, 5000]);
    const whole = { whole: true };
    assert.deepEqual(
      [
        niceStep(2, whole),
        niceStep(0.9, whole),
        niceStep(10, whole),
        niceStep(100, whole),
        niceStep(7, whole),
      ],
      [1, 1, 5, 25, 2],
    );
  });

  it("counts its axis in whole steps when every value is whole (no « 0,5 » visit)", () => {
    const few = chartOf(
      { display: "line", visualization: {} },
      table(
        [MOIS, N],
        [
          ["2026-01-01", 1],
          ["2026-02-01", 2],
          ["2026-03-01", 0],
        ],
      ),
    )!;
    assert.deepEqual(few.ticks, ["2", "1", "0"]);
    assert.deepEqual(few.gridlines, [0, 200, 400]);
  });
});
