import { isMap, isSeq, parseDocument } from "yaml";
import { columnKey, columnNameOfKey, columnTitles } from "./column-settings.js";
import { isRecord } from "./errors.js";
import { sameJson } from "./normalize.js";
import type { YamlEdit } from "./yaml-edit.js";

/**
 * `pilotage pull` for column settings: a column title edited in Metabase, on the card or on a dashboard's
 * card, becomes the column's `label:` in the question file (its unit, shown in brackets, left out); its
 * decimals become `decimals:`. The label belongs to the question: a title set on one dashboard changes it
 * everywhere, and `apply` then writes it on the card and clears the dashboard's own. Returns in-place
 * edits of the header (yaml-edit.ts), so the columns' one-line maps keep their style.
 */

interface FileColumn {
  index: number;
  name: string;
  label: string;
  unit: string | undefined;
}

function fileColumns(header: string): FileColumn[] {
  const seq = parseDocument(header).get("columns", true);
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

export interface ColumnPull {
  edits: YamlEdit[];
  notes: string[];
}

/** Titles (alias → title) as the labels of a question header's columns. */
export function pullColumnTitles(header: string, titles: Record<string, string>): ColumnPull {
  const pull: ColumnPull = { edits: [], notes: [] };
  const columns = fileColumns(header);
  for (const [name, title] of Object.entries(titles)) {
    const column = columns.find((c) => c.name === name);
    if (!column) {
      pull.notes.push(
        `titre « ${title} » d'une colonne « ${name} » que la question ne décrit pas : non rapatrié`,
      );
      continue;
    }
    const label = labelOf(title, column.unit);
    if (label !== column.label) pull.edits.push({ path: ["columns", column.index, "label"], value: label });
  }
  return pull;
}

function settingsOf(value: unknown): Record<string, unknown> {
  return isRecord(value) && isRecord(value["column_settings"]) ? value["column_settings"] : {};
}

/**
 * A card's visualization settings as Metabase holds them (`before`) against what the files make of them
 * (`after`): column titles and decimals go to `columns:`, the other settings to `visualization:`.
 */
export function pullCardVisualization(header: string, before: unknown, after: unknown): ColumnPull {
  const remote = isRecord(before) ? before : {};
  const desired = isRecord(after) ? after : {};
  const titles: Record<string, string> = {};
  const desiredTitles = columnTitles(desired);
  for (const [name, title] of Object.entries(columnTitles(remote))) {
    if (desiredTitles[name] !== title) titles[name] = title;
  }
  const pull = pullColumnTitles(header, titles);

  const [remoteColumns, desiredColumns] = [settingsOf(remote), settingsOf(desired)];
  const columns = fileColumns(header);
  for (const key of Object.keys(remoteColumns)) {
    const name = columnNameOfKey(key);
    const [mine, theirs] = [desiredColumns[columnKey(name ?? key)], remoteColumns[key]];
    if (name === undefined || !isRecord(theirs) || sameJson(mine, theirs)) continue;
    const column = columns.find((c) => c.name === name);
    const wanted = (setting: string) => (isRecord(mine) ? mine[setting] : undefined);
    const others = Object.keys(theirs).filter(
      (setting) =>
        setting !== "column_title" && setting !== "decimals" && !sameJson(theirs[setting], wanted(setting)),
    );
    if (
      column &&
      typeof theirs["decimals"] === "number" &&
      !sameJson(theirs["decimals"], wanted("decimals"))
    ) {
      pull.edits.push({ path: ["columns", column.index, "decimals"], value: theirs["decimals"] });
    }
    if (others.length > 0) {
      pull.notes.push(
        `colonne ${name} : réglages ${others.join(", ")} modifiés dans Metabase non rapatriés (ils découlent de « kind: » ; \`pilotage apply\` les remettra)`,
      );
    }
  }

  const rest = (s: Record<string, unknown>) => {
    const { column_settings: _columns, ...others } = s;
    return others;
  };
  const [theirs, ours] = [rest(remote), rest(desired)];
  if (!sameJson(theirs, ours)) {
    // Setting by setting where the file has a `visualization:` map, so the others keep their style.
    if (isMap(parseDocument(header).get("visualization", true)) && Object.keys(theirs).length > 0) {
      for (const key of new Set([...Object.keys(theirs), ...Object.keys(ours)])) {
        if (!sameJson(theirs[key], ours[key]))
          pull.edits.push({ path: ["visualization", key], value: theirs[key] });
      }
    } else {
      pull.edits.push({
        path: ["visualization"],
        value: Object.keys(theirs).length === 0 ? undefined : theirs,
      });
    }
  }
  return pull;
}
