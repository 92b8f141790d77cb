import {
  anchorDashboard,
  dashboardCardParameters,
  type Note,
  type NoteBlock,
  type Question,
  type QuestionColumn,
} from "../catalog/index.js";
import { columnDecimals, columnHeader, describedColumn, isQuantity } from "../catalog/columns.js";
import { noteCards, noteDashboard, selectBlockRow } from "../catalog/note-dashboard.js";
import { runCard, type CardTable } from "../dashboards/card-data.js";
import { formatValue } from "../dashboards/cell-format.js";
import { chartOf, type ChartView } from "../dashboards/chart-model.js";
import type { LockValue } from "../perimeter/lock-values.js";
import type { Queryable } from "../storage/database.js";
import type { Day } from "../template/index.js";
import type { CitedValue } from "./markdown.js";

/**
 * A note's figures for one reader: every block's question run like a dashboard card (the note's fixed
 * values, the reader's locks), once per distinct query, and shaped as the page shows it: a chart with its
 * table, a table, or one value picked by column and row.
 */

export interface NoteFigure {
  block: NoteBlock;
  /** The caption: the block's title, else the question's name. */
  title: string;
  table?: CardTable & { cells: string[][] };
  chart?: ChartView | null;
  value?: CitedValue & { label: string };
  error?: string;
}

const NBSP = "\u00a0";
const SUFFIX: Partial<Record<QuestionColumn["kind"], string>> = {
  percentage: "%",
  euros: "€",
  etp: "ETP",
  days: "jours",
};

/**
 * One value as a sentence writes it: French digits, the kind's decimals, its unit after a no-break space.
 * In a table (`unit: "sign"`) only % and € follow the digits: the other units are in the header.
 */
export function formatFigure(
  value: unknown,
  column: QuestionColumn,
  options: { unit: "full" | "sign" } = { unit: "full" },
): CitedValue {
  if (value === null || value === undefined || value === "")
    return { text: "donnée indisponible", missing: true };
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (column.kind === "text" || column.kind === "territory" || !Number.isFinite(n)) {
    return { text: value instanceof Date ? value.toISOString().slice(0, 10) : String(value), missing: false };
  }
  const decimals = columnDecimals(column);
  const scaled = column.kind === "percentage" && column.percentScale === "ratio" ? n * 100 : n;
  const digits = new Intl.NumberFormat("fr-FR", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(scaled);
  const unit =
    options.unit === "full"
      ? (column.unit ?? SUFFIX[column.kind])
      : column.kind === "percentage" || column.kind === "euros"
        ? SUFFIX[column.kind]
        : undefined;
  return { text: unit ? `${digits}${NBSP}${unit}` : digits, missing: false };
}

/**
 * A table cell: quantities with their kind's decimals, percentages and euros with their sign (the other
 * units are in the header); anything else as the dashboards show it.
 */
export function formatTableCell(
  value: unknown,
  column: QuestionColumn,
  card: CardTable["columns"][number],
): string {
  if (value === null || value === undefined) return "";
  if (!isQuantity(column)) return formatValue(value, column);
  return formatFigure(value, column, { unit: "sign" }).text;
}

/** The row a value block reads (selectBlockRow), over a card's rows. */
export function pickRow(
  table: Pick<CardTable, "columns" | "rows">,
  row: NoteBlock["row"],
): unknown[] | undefined {
  const index = new Map(table.columns.map((c, i) => [c.name, i]));
  return selectBlockRow(
    table.rows,
    (cells, name) => (index.has(name) ? cells[index.get(name)!] : undefined),
    row,
  );
}

export async function noteFigures(options: {
  warehouse: Queryable;
  questions: ReadonlyMap<string, Question>;
  note: Note;
  locks: Record<string, LockValue>;
  cutoff: Day;
  now: Date;
  rowLimit: number;
  onError?: (error: unknown, block: NoteBlock) => void;
}): Promise<Map<string, NoteFigure>> {
  const { note, questions } = options;
  const dashboard = anchorDashboard(noteDashboard(note), options.cutoff);
  const cards = noteCards(note);
  // Several blocks often cite one query (the values of one sentence): run it once.
  const runs = new Map<string, Promise<CardTable>>();
  const figures = await Promise.all(
    note.blocks.map(async (block, i): Promise<NoteFigure> => {
      const question = questions.get(block.question);
      const title = block.title ?? question?.name ?? block.question;
      if (!question) return { block, title, error: "Cette figure n'a pas de question associée." };
      try {
        const key = `${block.question}\u0000${JSON.stringify(Object.entries(block.mappings).sort())}`;
        let run = runs.get(key);
        if (!run) {
          const parameters = dashboardCardParameters(dashboard, cards[i]!, question, options.locks);
          run = runCard(options.warehouse, question, parameters, {
            now: options.now,
            rowLimit: options.rowLimit,
          });
          runs.set(key, run);
        }
        const table = await run;
        if (block.show === "value" || block.show === "inline") {
          const column = question.columns.find((c) => c.name === block.column);
          const cells = column ? pickRow(table, block.row) : undefined;
          const index = table.columns.findIndex((c) => c.name === block.column);
          const value =
            column && cells && index >= 0
              ? formatFigure(cells[index], column)
              : { text: "donnée indisponible", missing: true };
          return { block, title, value: { ...value, label: column?.label ?? block.column ?? "" } };
        }
        const described = table.columns.map((c) => describedColumn(question, c.name));
        const columns = table.columns.map((c, i) => ({ ...c, label: columnHeader(described[i]!) }));
        const cells = table.rows.map((row) =>
          row.map((value, c) => formatTableCell(value, described[c]!, table.columns[c]!)),
        );
        return {
          block,
          title,
          table: { ...table, columns, cells },
          chart: block.show === "chart" ? chartOf(question, table) : null,
        };
      } catch (error) {
        options.onError?.(error, block);
        return {
          block,
          title,
          error: "Ce chiffre n'a pas pu être calculé. Réessayez dans quelques instants.",
        };
      }
    }),
  );
  return new Map(figures.map((figure) => [figure.block.id, figure]));
}
