import { columnHeader } from "../catalog/columns.js";
import type { Question, QuestionColumn } from "../catalog/index.js";
import { formatNumber, formatValue, numberOf } from "./cell-format.js";
import type { CardTable } from "./card-data.js";

/**
 * The gateway's chart of a card, drawn on the server as SVG and HTML (src/views/dashboards/chart.ejs):
 * straight segments between points (never a smoothed curve that dives or overshoots), a value axis from
 * zero, a missing value left as a gap rather than drawn as zero, labels in French from the question's
 * columns on both axes and in the legend. The table under it says the same, for every reader.
 *
 * Why not @gouvfr/dsfr-chart: its line charts hard-code a 0.4 curve tension and its value axis neither
 * starts at zero nor speaks French (« 1.5K »), with no attribute to change either.
 */

export type ChartType = "columns" | "lines" | "rows";

export interface ChartSeries {
  name: string;
  color: string;
  /** Lines: the second measure of a group is dashed, in the group's colour (« conventionnés » / « réalisés »). */
  dash?: string;
  values: Array<number | null>;
}

export interface ChartView {
  type: ChartType;
  stacked: boolean;
  /** The categories along the axis, formatted; `secondary` ones are left out on narrow screens. */
  categories: Array<{ label: string; shown: boolean; secondary: boolean }>;
  series: ChartSeries[];
  /** Value axis, from the top tick down to zero. */
  ticks: string[];
  valueTitle: string;
  categoryTitle: string;
  summary: string;
  /** Geometry in a 1000 × 400 box stretched to the plot (columns and lines). */
  bars: Array<{ x: number; y: number; width: number; height: number; color: string }>;
  lines: Array<{ points: string; color: string; dash?: string }>;
  dots: Array<{ x: number; y: number; color: string }>;
  gridlines: number[];
  /** Rows: one entry per category, a bar per series, as a share of the axis (0–100) and its value. */
  rows: Array<{ label: string; bars: Array<{ percent: number; value: string; color: string }> }>;
  /**
   * Two dimensions and one measure: the table under the chart as the chart reads, one row per category and
   * one column per series (twelve rows rather than sixty); the export keeps one row per pair.
   */
  pivot?: { headers: string[]; cells: string[][] };
}

/** Beyond these, a chart is unreadable: the table alone says it better. */
export const MAX_CHART_POINTS = 60;
export const MAX_CHART_SERIES = 12;

const DASHES = ["6 4", "2 3"];
const NARROW_CHARACTERS = 54;

export const WIDTH = 1000;
export const HEIGHT = 400;

/** DSFR illustrative colours (bleu France, then the « couleurs illustratives » main tints), told apart in order. */
export const PALETTE = [
  "#000091",
  "#009081",
  "#c3992a",
  "#a558a0",
  "#e1000f",
  "#417dc4",
  "#66673d",
  "#ce614a",
  "#009099",
  "#7d4e5b",
  "#68a532",
  "#e18b76",
];

const TYPES: Record<string, ChartType> = {
  bar: "columns",
  combo: "columns",
  line: "lines",
  area: "lines",
  row: "rows",
  pie: "rows",
};

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

/**
 * A round step giving about four intervals: 1, 2, 2.5 or 5 times a power of ten. For `whole` values (counts
 * of visits, of people) a whole step, at least 1: an axis reading « 0,5 » beside counts suggests half a
 * visit.
 */
export function niceStep(max: number, options: { intervals?: number; whole?: boolean } = {}): number {
  if (max <= 0) return 1;
  const raw = max / (options.intervals ?? 4);
  const power = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10].map((m) => m * power);
  return (options.whole ? steps.filter((s) => Number.isInteger(s)) : steps).find((s) => s >= raw) ?? 1;
}

function keyOf(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value ?? null);
}

export function chartOf(
  question: Pick<Question, "display" | "visualization">,
  table: CardTable,
): ChartView | null {
  const type = TYPES[question.display];
  if (!type || table.truncated || table.rows.length === 0) return null;
  const index = new Map(table.columns.map((c, i) => [c.name, i]));
  const dimensions = stringList(question.visualization["graph.dimensions"]) ?? [
    table.columns.find((c) => !c.numeric)?.name ?? "",
  ];
  const metrics =
    stringList(question.visualization["graph.metrics"]) ??
    table.columns.filter((c) => c.numeric && !dimensions.includes(c.name)).map((c) => c.name);
  if (dimensions.length < 1 || dimensions.length > 2 || metrics.length === 0) return null;
  if ([...dimensions, ...metrics].some((name) => !index.has(name))) return null;

  const column = (name: string): QuestionColumn => table.columns[index.get(name)!]!.column;
  const xIndex = index.get(dimensions[0]!)!;
  const groupIndex = dimensions[1] === undefined ? undefined : index.get(dimensions[1])!;
  const categoryKeys: string[] = [];
  const categoryLabels: string[] = [];
  const groupKeys: string[] = [];
  const groupLabels: string[] = [];
  for (const row of table.rows) {
    const key = keyOf(row[xIndex]);
    if (!categoryKeys.includes(key)) {
      categoryKeys.push(key);
      categoryLabels.push(formatValue(row[xIndex], column(dimensions[0]!)) || "(vide)");
    }
    if (groupIndex !== undefined && !groupKeys.includes(keyOf(row[groupIndex]))) {
      groupKeys.push(keyOf(row[groupIndex]));
      groupLabels.push(formatValue(row[groupIndex], column(dimensions[1]!)) || "(vide)");
    }
  }
  const groups = groupIndex === undefined ? [undefined] : groupKeys;
  if (categoryKeys.length > MAX_CHART_POINTS || groups.length * metrics.length > MAX_CHART_SERIES)
    return null;

  const series: ChartSeries[] = groups.flatMap((group, g) =>
    metrics.map((metric, m) => {
      const values: Array<number | null> = categoryKeys.map(() => null);
      for (const row of table.rows) {
        if (group !== undefined && keyOf(row[groupIndex!]) !== group) continue;
        const n = numberOf(row[index.get(metric)!]);
        if (n === undefined) continue;
        const at = categoryKeys.indexOf(keyOf(row[xIndex]));
        values[at] = (values[at] ?? 0) + n;
      }
      const metricName = columnHeader(column(metric));
      const name =
        group === undefined
          ? metricName
          : metrics.length > 1
            ? `${groupLabels[g]} — ${metricName}`
            : groupLabels[g]!;
      // On a line chart a group keeps one colour and each measure its own stroke; bars need a colour each.
      const lineStyle = type === "lines" && metrics.length > 1;
      const color = PALETTE[(lineStyle ? g : g * metrics.length + m) % PALETTE.length]!;
      return {
        name,
        color,
        ...(lineStyle && m > 0 ? { dash: DASHES[(m - 1) % DASHES.length]! } : {}),
        values,
      };
    }),
  );

  const stacked = type === "columns" && series.length > 1 && !!question.visualization["stackable.stack_type"];
  const totals = categoryKeys.map((_, c) =>
    stacked
      ? series.reduce((sum, s) => sum + Math.max(0, s.values[c] ?? 0), 0)
      : Math.max(0, ...series.map((s) => s.values[c] ?? 0)),
  );
  const whole = series.every((s) => s.values.every((v) => v === null || Number.isInteger(v)));
  const step = niceStep(Math.max(0, ...totals), { whole });
  const top = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const tickValues = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => top - i * step);
  const valueColumn = column(metrics[0]!);
  // As many decimals as the step has (2.5 → 1): a tick never reads rounded (« 8 » for 7.5).
  const tickDecimals = (String(step).split(".")[1] ?? "").length;
  const tickFormat = { ...valueColumn, decimals: Math.min(tickDecimals, 3) };
  const y = (v: number) => HEIGHT - (Math.max(0, v) / top) * HEIGHT;

  const band = WIDTH / categoryKeys.length;
  const bars: ChartView["bars"] = [];
  const lines: ChartView["lines"] = [];
  const dots: ChartView["dots"] = [];
  if (type === "columns") {
    const inner = band * 0.7;
    categoryKeys.forEach((_, c) => {
      let base = 0;
      series.forEach((s, i) => {
        const v = s.values[c] ?? null;
        if (v === null || v <= 0) return;
        const width = stacked ? inner : inner / series.length;
        const x = c * band + (band - inner) / 2 + (stacked ? 0 : i * width);
        const bottom = stacked ? base : 0;
        bars.push({ x, y: y(bottom + v), width, height: y(bottom) - y(bottom + v), color: s.color });
        if (stacked) base += v;
      });
    });
  } else if (type === "lines") {
    for (const s of series) {
      let run: string[] = [];
      s.values.forEach((v, c) => {
        if (v === null) {
          if (run.length > 1)
            lines.push({ points: run.join(" "), color: s.color, ...(s.dash ? { dash: s.dash } : {}) });
          run = [];
          return;
        }
        const point = { x: c * band + band / 2, y: y(v) };
        run.push(`${round(point.x)},${round(point.y)}`);
        dots.push({ ...point, color: s.color });
      });
      if (run.length > 1)
        lines.push({ points: run.join(" "), color: s.color, ...(s.dash ? { dash: s.dash } : {}) });
    }
  }

  // At most about 12 labels along the axis; on a phone as many as fit (a label breaks between words, so
  // its longest word is what must fit: about 54 characters across a 375 px screen). The table has them all.
  const every = Math.ceil(categoryKeys.length / 12);
  const longestWord = Math.max(1, ...categoryLabels.flatMap((l) => l.split(/\s+/).map((w) => w.length)));
  const fitting = Math.ceil((categoryKeys.length * (longestWord + 1)) / NARROW_CHARACTERS);
  const everyNarrow = every * Math.max(1, Math.ceil(fitting / every));
  const metricTitles = [...new Set(metrics.map((m) => columnHeader(column(m))))];
  const valueTitle = metricTitles.length === 1 ? metricTitles[0]! : unitTitle(valueColumn);
  const categoryTitle = columnHeader(column(dimensions[0]!));
  return {
    type,
    stacked,
    categories: categoryLabels.map((label, c) => ({
      label,
      shown: c % every === 0,
      secondary: c % everyNarrow !== 0,
    })),
    series,
    ticks: tickValues.map((t) => formatNumber(t, tickFormat)),
    valueTitle,
    categoryTitle,
    summary: `${series.length > 1 ? `${series.length} séries` : valueTitle} par ${categoryTitle.toLowerCase()}`,
    bars: bars.map((b) => ({
      x: round(b.x),
      y: round(b.y),
      width: round(b.width),
      height: round(b.height),
      color: b.color,
    })),
    lines,
    dots: dots.map((d) => ({ x: round(d.x), y: round(d.y), color: d.color })),
    gridlines: tickValues.map((t) => round(y(t))),
    ...(groupIndex !== undefined && metrics.length === 1
      ? {
          pivot: {
            headers: [categoryTitle, ...series.map((s) => s.name)],
            cells: categoryLabels.map((label, c) => [
              label,
              ...series.map((s) => (s.values[c] === null ? "" : formatNumber(s.values[c]!, valueColumn))),
            ]),
          },
        }
      : {}),
    rows:
      type === "rows"
        ? categoryLabels.map((label, c) => ({
            label,
            bars: series.map((s) => ({
              percent: round(((s.values[c] ?? 0) / top) * 100),
              value:
                s.values[c] === null ? "" : formatNumber(s.values[c]!, valueColumnOf(s, metrics, column)),
              color: s.color,
            })),
          }))
        : [],
  };
}

function valueColumnOf(
  s: ChartSeries,
  metrics: string[],
  column: (name: string) => QuestionColumn,
): QuestionColumn {
  return column(metrics.find((m) => s.name.endsWith(columnHeader(column(m)))) ?? metrics[0]!);
}

/** When several measures share the axis: what they are counted in. */
function unitTitle(column: QuestionColumn): string {
  switch (column.kind) {
    case "etp":
      return "ETP";
    case "percentage":
      return "%";
    case "euros":
      return "euros";
    case "days":
      return "jours";
    default:
      return column.unit ?? "Nombre";
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
