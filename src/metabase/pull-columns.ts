import { isMap, isSeq, type Document } from "yaml";
import { columnKey, columnNameOfKey, columnTitles } from "./column-settings.js";
import { isRecord } from "./errors.js";
import { sameJson } from "./normalize.js";

/**
 * `pilotage pull` for column settings: a column title edited in Metabase, on the card or on a dashboard's
 * card, becomes the column's `label:` in the question file (its unit, shown in brackets, left out); its
 * decimals become `decimals:`. The label belongs to the question: a title set on one dashboard changes it
 * everywhere, and `apply` then writes it on the card and clears the dashboard's own.
 */

interface FileColumn {
  index: number;
  name: string;
  label: string;
  unit: string | undefined;
}

function fileColumns(doc: Document): FileColumn[] {
  const seq = doc.get("columns", true);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((item, index) => {
    if (!isMap(item)) return [];
    const name = item.get("name");
    const label = item.get("label");
    const unit = item.get("unit");
    return typeof name === "string" && typeof label === "string"
      ? [{ index, name, label, unit: typeof unit === "string" ? unit : undefined }]
      : [];
  });
}

/** « Délai médian de réponse (jours) » → « Délai médian de réponse » when the unit is « jours ». */
function labelOf(title: string, unit: string | undefined): string {
  const suffix = unit === undefined ? undefined : ` (${unit})`;
  return suffix !== undefined && title.endsWith(suffix) ? title.slice(0, -suffix.length) : title;
}

/** Writes titles (alias → title) as labels; returns what could not be written. */
export function pullColumnTitles(doc: Document, titles: Record<string, string>): string[] {
  const notes: string[] = [];
  const columns = fileColumns(doc);
  for (const [name, title] of Object.entries(titles)) {
    const column = columns.find((c) => c.name === name);
    if (!column) {
      notes.push(`titre « ${title} » d'une colonne « ${name} » que la question ne décrit pas : non rapatrié`);
      continue;
    }
    const label = labelOf(title, column.unit);
    if (label !== column.label) doc.setIn(["columns", column.index, "label"], label);
  }
  return notes;
}

function settingsOf(value: unknown): Record<string, unknown> {
  return isRecord(value) && isRecord(value["column_settings"]) ? value["column_settings"] : {};
}

/**
 * A card's visualization settings as Metabase holds them (`before`) against what the files make of them
 * (`after`): column titles and decimals go to `columns:`, the other settings to `visualization:`.
 */
export function pullCardVisualization(doc: Document, before: unknown, after: unknown): string[] {
  const notes: string[] = [];
  const remote = isRecord(before) ? before : {};
  const desired = isRecord(after) ? after : {};
  const titles: Record<string, string> = {};
  const remoteTitles = columnTitles(remote);
  const desiredTitles = columnTitles(desired);
  for (const [name, title] of Object.entries(remoteTitles)) {
    if (desiredTitles[name] !== title) titles[name] = title;
  }
  notes.push(...pullColumnTitles(doc, titles));

  const [remoteColumns, desiredColumns] = [settingsOf(remote), settingsOf(desired)];
  const columns = fileColumns(doc);
  for (const key of Object.keys(remoteColumns)) {
    const name = columnNameOfKey(key);
    const [mine, theirs] = [desiredColumns[columnKey(name ?? key)], remoteColumns[key]];
    if (name === undefined || !isRecord(theirs) || sameJson(mine, theirs)) continue;
    const column = columns.find((c) => c.name === name);
    const others = Object.keys(theirs).filter(
      (setting) =>
        setting !== "column_title" &&
        setting !== "decimals" &&
        !sameJson(theirs[setting], isRecord(mine) ? mine[setting] : undefined),
    );
    if (
      column &&
      typeof theirs["decimals"] === "number" &&
      !sameJson(theirs["decimals"], isRecord(mine) ? mine["decimals"] : undefined)
    ) {
      doc.setIn(["columns", column.index, "decimals"], theirs["decimals"]);
    }
    if (others.length > 0) {
      notes.push(
        `colonne ${name} : réglages ${others.join(", ")} modifiés dans Metabase non rapatriés (ils découlent de « kind: » ; \`pilotage apply\` les remettra)`,
      );
    }
  }

  const rest = (s: Record<string, unknown>) => {
    const { column_settings: _columns, ...others } = s;
    return others;
  };
  if (!sameJson(rest(remote), rest(desired))) {
    if (Object.keys(rest(remote)).length === 0) doc.deleteIn(["visualization"]);
    else doc.setIn(["visualization"], doc.createNode(rest(remote)));
  }
  return notes;
}
