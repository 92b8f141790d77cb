import type { Dashboard, DashboardCard, Note, NoteBlock } from "./types.js";

/**
 * A note as the dashboard it behaves like: its parameters, and one full-width card per figure block, in
 * order. Access (dashboardAccess), the lock contract of `validate` and the runs of `pilotage test` (leak
 * check included) then apply to a note exactly as to a dashboard, with no second implementation to drift.
 */

/** The collection a note's pseudo-dashboard claims; notes are never synced into Metabase. */
export const NOTE_COLLECTION = "notes";

export function noteCards(note: Pick<Note, "blocks">): DashboardCard[] {
  return note.blocks.map((block, i) => ({
    question: block.question,
    row: i,
    col: 0,
    sizeX: 24,
    sizeY: 1,
    mappings: block.mappings,
  }));
}

export function noteDashboard(note: Note): Dashboard {
  return {
    key: `notes/${note.key}`,
    file: note.file,
    title: note.title,
    description: note.summary,
    theme: note.themes[0] ?? "",
    collection: NOTE_COLLECTION,
    audiences: note.audiences,
    public: note.public,
    parameters: note.parameters,
    cards: noteCards(note),
    contentVersion: "",
    mayBeWithdrawn: false,
    ...(note.source === undefined ? {} : { source: note.source }),
    location: {
      file: note.file,
      line: 1,
      // Block lines under the names the dashboard rules use (`cards.2.mappings.periode`).
      lines: Object.fromEntries(
        Object.entries(note.location.lines).map(([path, line]) => [
          path.replace(/^blocks\./, "cards."),
          line,
        ]),
      ),
    },
  };
}

function sameCell(expected: string | number | boolean, actual: unknown): boolean {
  if (typeof expected === "number") return actual !== null && actual !== "" && Number(actual) === expected;
  if (typeof expected === "boolean") return actual === expected;
  return String(actual) === expected;
}

/**
 * The row a value block reads: the one whose columns hold its `row` values, else the only row. Undefined
 * when none (or, without `row`, several) match: the page says the value is missing rather than guess, and
 * `pilotage test` fails.
 */
export function selectBlockRow<R>(
  rows: readonly R[],
  cell: (row: R, column: string) => unknown,
  selector: NoteBlock["row"],
): R | undefined {
  if (!selector) return rows.length === 1 ? rows[0] : undefined;
  return rows.find((row) =>
    Object.entries(selector).every(([column, value]) => sameCell(value, cell(row, column))),
  );
}
