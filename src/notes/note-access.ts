import type { Catalog, Note } from "../catalog/index.js";
import { noteDashboard } from "../catalog/note-dashboard.js";
import {
  dashboardAccess,
  isOpenToEveryone,
  type AccessProfile,
  type DashboardAccess,
} from "../perimeter/dashboard-access.js";
import type { LockValue } from "../perimeter/lock-values.js";

/**
 * Who may read which note, and under which locks: exactly the rule of the dashboard a note behaves like
 * (a public note for everyone; otherwise its audiences, and a perimeter that fills every lock).
 */
export function noteAccess(profile: AccessProfile | null, note: Note): DashboardAccess {
  return dashboardAccess(profile, noteDashboard(note));
}

/** Open to everyone without login, by the rule of public dashboards. */
export function isPublicNote(note: Note): boolean {
  return isOpenToEveryone(note);
}

const collator = new Intl.Collator("fr", { sensitivity: "base" });

/** The notes this reader may open, newest first, each with its locks. */
export function readableNotes(
  catalog: Pick<Catalog, "notes">,
  profile: AccessProfile | null,
): Array<{ note: Note; locks: Record<string, LockValue> }> {
  return catalog.notes
    .flatMap((note) => {
      const access = noteAccess(profile, note);
      return access.allowed ? [{ note, locks: access.locks }] : [];
    })
    .sort((a, b) => b.note.date.localeCompare(a.note.date) || collator.compare(a.note.title, b.note.title));
}

/** Themes of these notes, in French alphabetical order. */
export function themesOf(notes: readonly Note[]): string[] {
  return [...new Set(notes.flatMap((n) => n.themes))].sort((a, b) => collator.compare(a, b));
}
