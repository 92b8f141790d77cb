import type { Request } from "express";
import {
  dashboardCardParameters,
  type Dashboard,
  type DashboardCard,
  type Question,
} from "../catalog/index.js";
import { ClientGoneError, DependencyError } from "../errors.js";
import type { LockValue } from "../perimeter/lock-values.js";
import type { TerritoryChoice } from "../perimeter/narrowing.js";
import type { Queryable } from "../storage/database.js";
import type { Day } from "../template/index.js";
import { formatRows, readCardTable, type CardTable } from "./card-data.js";
import { formatFigure, formatValue } from "./cell-format.js";
import { chartOf, type ChartView } from "./chart-model.js";
import { COMPARISON_ROW_LIMIT } from "./comparison.js";
import { exportHref } from "./dashboard-pages.js";
import { cardValues, periodReads, withChoice, type FilterChoice } from "./filters.js";
import { frenchLongDate } from "./french-format.js";
import { groupRows, type GroupedTable } from "./grouped-table.js";

/**
 * Every card of a dashboard page, run on the warehouse under the viewer's locks and laid out: a key
 * figure (`scalar` question) as a tile, the others as a chart where the display fits and always a table.
 */

/** A key figure: its value, the period it covers, and the previous period's when the question gives it. */
export interface TileView {
  value: string;
  /** No value: nothing in the perimeter for these filters. */
  empty: boolean;
  period: string;
  previous?: { label: string; value: string };
}

/** What a card's or a note's table shows: headers (quantities on the right) and formatted cells. */
export interface TableGrid {
  headers: Array<{ label: string; right: boolean; nowrap: boolean }>;
  cells: string[][];
}

export interface CardView {
  id: string;
  title: string;
  description: string;
  sizeX: number;
  exportHref: string;
  /** The same data as a workbook (labels, number formats, an « Informations » sheet). */
  xlsxHref: string;
  table?: CardTable;
  grid?: TableGrid;
  chart?: ChartView | null;
  tile?: TileView;
  /** A long table read per group (`group_rows_by:`): totals, then each group's rows behind a disclosure. */
  groups?: GroupedTable;
  /** A key figure (`scalar` question): a tile, even when it failed. */
  scalar: boolean;
  /** Rows after the data's cut-off, left out of the page (not of the export). */
  after?: { count: number; date: string };
  error?: string;
}

const GROUPED_ROW_LIMIT = 5_000;

/** Numbers, months and days read on one line, whatever the table's width. */
function keepsTogether(column: { right: boolean; column: { kind: string } }): boolean {
  return column.right || column.column.kind === "month" || column.column.kind === "date";
}

/**
 * The table under a card or a note's figure: the rows as read, or, when the chart pivots two dimensions,
 * as the chart reads (one row per category, one column per series).
 */
export function tableGrid(table: CardTable, chart: ChartView | null): TableGrid {
  if (chart?.pivot) {
    return {
      headers: chart.pivot.headers.map((label, c) => ({
        label,
        right: c > 0,
        nowrap: c > 0 || table.columns.some((t) => t.column.kind === "month" && t.label === label),
      })),
      cells: chart.pivot.cells,
    };
  }
  return {
    headers: table.columns.map((c) => ({ label: c.label, right: c.right, nowrap: keepsTogether(c) })),
    cells: formatRows(table),
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The period a card covers, from the filters it is wired to: a period (« Du 1er novembre 2025 au 31
 * octobre 2026 », « Sur toute la période »), or a year (« En 2026 »).
 */
export function cardPeriod(
  dashboard: Dashboard,
  card: DashboardCard,
  choice: FilterChoice,
  cutoff: Day,
): string {
  const parts: string[] = [];
  for (const slug of Object.keys(card.mappings)) {
    const parameter = dashboard.parameters.find((p) => p.slug === slug);
    if (!parameter || parameter.locked) continue;
    const value = choice.cleared.has(slug) ? undefined : (choice.values[slug] ?? parameter.default);
    if (parameter.type === "date range") {
      const reads = typeof value === "string" ? periodReads(value, cutoff) : "";
      parts.push(value === undefined ? "sur toute la période" : reads || String(value));
    } else if (parameter.type === "number" && parameter.valuesFrom === "years" && typeof value === "number") {
      parts.push(`en ${value}`);
    }
  }
  return capitalised(parts.join(", "));
}

export function tileOf(table: CardTable, period: string): TileView {
  const row = table.rows[0] ?? [];
  const [value, previous] = table.columns;
  // The figure stands alone in its tile: its unit goes with it (« 21 jours »).
  const shown = value ? formatFigure(row[0], value.column) : "";
  const tile: TileView = { value: shown || "—", empty: shown === "", period };
  if (previous && row[1] !== null && row[1] !== undefined) {
    tile.previous = { label: previous.label, value: formatValue(row[1], previous.column) };
  }
  return tile;
}

export function cardRenderer(deps: {
  questions: ReadonlyMap<string, Question>;
  warehouse: Queryable;
  now: () => Date;
  rowLimit: number;
}) {
  return async function renderCards(
    req: Request,
    dashboard: Dashboard,
    choice: FilterChoice,
    locks: Record<string, LockValue>,
    cutoff: { day: Day; marker: unknown },
    territory: TerritoryChoice = {},
    /** The territorial comparison will read its card with these very values: read it as it does. */
    sharesComparisonRead = false,
  ): Promise<CardView[]> {
    const rendered = withChoice(dashboard, choice);
    const values = cardValues(choice, locks);
    const at = deps.now();
    return Promise.all(
      dashboard.cards.map(async (card, i): Promise<CardView> => {
        const question = deps.questions.get(card.question);
        const base = {
          id: `carte-${i + 1}`,
          title: question?.name ?? card.question,
          description: question?.description ?? "",
          sizeX: card.sizeX,
          exportHref: question ? exportHref(dashboard, card, question, choice, "csv", territory) : "",
          xlsxHref: question ? exportHref(dashboard, card, question, choice, "xlsx", territory) : "",
          scalar: question?.display === "scalar",
        };
        if (!question) return { ...base, error: "Cette carte n'a pas de question associée." };
        try {
          const parameters = dashboardCardParameters(rendered, card, question, values);
          // A grouped table shows a few lines whatever its rows: it may hold more of them.
          const rowLimit = card.groupRowsBy ? Math.max(deps.rowLimit, GROUPED_ROW_LIMIT) : deps.rowLimit;
          const { table, dropped } = await readCardTable(deps.warehouse, question, parameters, {
            now: at,
            rowLimit,
            // The comparison reads this card too: one SQL text, one run through the result cache.
            ...(sharesComparisonRead && dashboard.comparison?.question === card.question
              ? { readLimit: COMPARISON_ROW_LIMIT }
              : {}),
            cutoff,
          });
          if (question.display === "scalar") {
            return {
              ...base,
              table,
              grid: tableGrid(table, null),
              tile: tileOf(table, cardPeriod(rendered, card, choice, cutoff.day)),
            };
          }
          const chart = chartOf(question, table);
          return {
            ...base,
            table,
            grid: tableGrid(table, chart),
            chart,
            ...(card.groupRowsBy ? { groups: groupRows(table, card.groupRowsBy, base.id) } : {}),
            ...(dropped > 0 ? { after: { count: dropped, date: frenchLongDate(cutoff.day) } } : {}),
          };
        } catch (error) {
          // A warehouse that does not answer fails the page (503, docs/failure-policy.md): every card
          // would say the same, and the viewer is better told to retry.
          if (error instanceof DependencyError || error instanceof ClientGoneError) throw error;
          // One card failing leaves the others readable; the log keeps the cause, the page a French line.
          req.log?.error(
            { err: error, dashboard: dashboard.key, question: card.question },
            "dashboard card failed",
          );
          return {
            ...base,
            error: "Ces données n'ont pas pu être calculées. Réessayez dans quelques instants.",
          };
        }
      }),
    );
  };
}
