import {
  anchorDashboard,
  dashboardCardParameters,
  type Note,
  type NoteBlock,
  type Question,
  type QuestionColumn,
} from "../catalog/index.js";
import { noteCards, noteDashboard, selectBlockRow } from "../catalog/note-dashboard.js";
import { readCardTable, type CardTable } from "../dashboards/card-data.js";
import { tableGrid, type TableGrid } from "../dashboards/card-views.js";
import { formatFigure } from "../dashboards/cell-format.js";
import { chartOf, type ChartView } from "../dashboards/chart-model.js";
import type { DataCutoff } from "../dashboards/dashboard-view.js";
import { frenchLongDate } from "../dashboards/french-format.js";
import type { LockValue } from "../perimeter/lock-values.js";
import type { Queryable } from "../storage/database.js";
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
  table?: CardTable;
  /** The table as shown, built as a dashboard card's (pivoted when its chart is). */
  grid?: TableGrid;
  /** Rows after the data's cut-off, left out as on a dashboard (card-data.ts, rowsUpTo). */
  after?: { count: number; date: string };
  chart?: ChartView | null;
  value?: CitedValue & { label: string };
  error?: string;
}

/** One value as a sentence writes it: as the dashboards' key figures show it (cell-format.ts). */
export function citedValue(value: unknown, column: QuestionColumn): CitedValue {
  const text = formatFigure(value, column);
  return text === "" ? { text: "donnée indisponible", missing: true } : { text, missing: false };
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
  cutoff: Pick<DataCutoff, "day" | "marker">;
  now: Date;
  rowLimit: number;
  onError?: (error: unknown, block: NoteBlock) => void;
}): Promise<Map<string, NoteFigure>> {
  const { note, questions } = options;
  const dashboard = anchorDashboard(noteDashboard(note), options.cutoff.day);
  const cards = noteCards(note);
  // Several blocks often cite one query (the values of one sentence): run it once.
  const runs = new Map<string, Promise<{ table: CardTable; dropped: number }>>();
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
          run = readCardTable(options.warehouse, question, parameters, {
            now: options.now,
            rowLimit: options.rowLimit,
            cutoff: options.cutoff,
          });
          runs.set(key, run);
        }
        const { table, dropped } = await run;
        if (block.show === "value" || block.show === "inline") {
          // The column as the card read it: described by the question, as a dashboard's tile reads it.
          const index = table.columns.findIndex((c) => c.name === block.column);
          const column = table.columns[index]?.column;
          const cells = pickRow(table, block.row);
          const value: CitedValue =
            column && cells
              ? citedValue(cells[index], column)
              : { text: "donnée indisponible", missing: true };
          return { block, title, value: { ...value, label: column?.label ?? block.column ?? "" } };
        }
        const chart = block.show === "chart" ? chartOf(question, table) : null;
        return {
          block,
          title,
          table,
          grid: tableGrid(table, chart),
          chart,
          ...(dropped > 0 ? { after: { count: dropped, date: frenchLongDate(options.cutoff.day) } } : {}),
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
