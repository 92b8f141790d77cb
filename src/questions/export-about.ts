import type { Question } from "../catalog/index.js";
import type { LockValue } from "../perimeter/lock-values.js";
import type { LoadMarker } from "../warehouse/load-marker.js";
import type { AboutRow } from "./xlsx-writer.js";
import type { WallClock } from "./zip-writer.js";

/**
 * The "Informations" sheet of an XLSX export: what the rows are (the question and its version), whose
 * perimeter they cover (the locks, with their values), which filters the reader chose, how fresh the
 * data is and when it was extracted. A file forwarded by e-mail keeps saying what it holds.
 */

const PARIS = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** A moment as Paris' wall clock (what the extraction date shows, and the ZIP entries carry). */
export function parisWallClock(at: Date): WallClock {
  const parts = Object.fromEntries(PARIS.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function shown(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(", ") : String(value);
}

export interface ExportContext {
  question: Pick<Question, "key" | "name" | "description" | "contentVersion" | "parameters">;
  /** What the rows cover, in French (the file name's scope). */
  scope: string;
  locks: Record<string, LockValue>;
  /** The editable parameters the request chose. */
  chosen: Record<string, unknown>;
  loadMarker: LoadMarker | undefined;
  extractedAt: WallClock;
}

export function exportAbout(context: ExportContext, rowCount: number): AboutRow[] {
  const { question } = context;
  const label = (tag: string) => question.parameters.find((p) => p.tag === tag)?.label ?? tag;
  const locks = Object.entries(context.locks);
  return [
    { label: "Question", value: question.name },
    ...(question.description ? [{ label: "Description", value: question.description }] : []),
    { label: "Identifiant de la question", value: question.key },
    { label: "Version de la question", value: question.contentVersion },
    { label: "Périmètre", value: context.scope },
    ...(locks.length === 0
      ? [{ label: "Filtres verrouillés", value: "Aucun : données publiques" }]
      : locks.map(([tag, value]) => ({
          label: `Filtre verrouillé sur votre périmètre : ${label(tag)}`,
          value: shown(value),
        }))),
    ...Object.entries(context.chosen).map(([tag, value]) => ({
      label: `Filtre choisi : ${label(tag)}`,
      value: shown(value),
    })),
    ...(context.loadMarker
      ? [
          { label: "Données arrêtées au", value: { date: context.loadMarker.cutoffDate } },
          { label: "Source des données", value: context.loadMarker.source },
        ]
      : []),
    { label: "Date d'extraction (heure de Paris)", value: { dateTime: context.extractedAt } },
    { label: "Lignes exportées", value: rowCount },
  ];
}
