import type { Dashboard, DashboardCard, Note } from "./types.js";

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
