import { columnDecimals, columnHeader } from "../catalog/columns.js";
import type { QuestionColumn } from "../catalog/index.js";
import { isRecord } from "./errors.js";

/**
 * Metabase's `visualization_settings.column_settings` from a question's columns (sql/README.md), so that
 * Metabase's tables, axes and legends read the same French labels and formats as the gateway's.
 *
 * Keys and values as Metabase's frontend reads them (frontend/src/metabase/visualizations/lib/settings/
 * column.ts, lib/formatting/numbers.tsx and date.tsx, metabase-lib/v1/queries/utils/column-key.ts):
 *   - the key is `JSON.stringify(["name", alias])`; older saves use `["ref", ["field", alias, {…}]]`,
 *     which Metabase still reads first, and so does `normaliseColumnSettings` below;
 *   - `column_title` replaces the header; `number_style` is `decimal`, `percent`, `scientific` or
 *     `currency`; `decimals` fixes the digits; `scale` multiplies before formatting (a 0–100 percentage
 *     needs 0.01, since `percent` multiplies by 100); `prefix` / `suffix` are pasted as written;
 *     `number_separators` is decimal then grouping character (`", "` is French, `"."` no grouping);
 *   - `date_style` is one of `MMMM D, YYYY`, `D MMMM, YYYY`, `dddd, MMMM D, YYYY`, `M/D/YYYY`, `D/M/YYYY`,
 *     `YYYY/M/D`; `date_abbreviate` shortens month and day names.
 *
 * What Metabase cannot show as the gateway does: a native query's date column has no unit, so a month
 * shows as its first day (« 1 déc., 2025 », never « déc. 2025 »); a percentage has no space before « % »;
 * a day has no leading zero (« 1/12/2025 »). Metabase formats numbers in English and swaps the
 * separators, so writing them per column keeps cards French even before the instance's own default is set.
 */

/** Metabase's key for a column of a native question. */
export function columnKey(name: string): string {
  return JSON.stringify(["name", name]);
}

const FRENCH_SEPARATORS = ", ";

/** The settings of one column, as `apply` writes them. */
export function columnSettingsOf(column: QuestionColumn): Record<string, unknown> {
  const title = { column_title: columnHeader(column) };
  const decimals = columnDecimals(column);
  const number = { number_style: "decimal", decimals, number_separators: FRENCH_SEPARATORS };
  switch (column.kind) {
    case "count":
    case "etp":
    case "days":
      return { ...title, ...number };
    case "percentage":
      return {
        ...title,
        ...number,
        number_style: "percent",
        ...(column.percentScale === "percent" ? { scale: 0.01 } : {}),
      };
    case "euros":
      return { ...title, ...number, suffix: " €" };
    case "identifier":
      return { ...title, number_style: "decimal", decimals: 0, number_separators: "." };
    case "month":
      return { ...title, date_style: "D MMMM, YYYY", date_abbreviate: true };
    case "date":
      return { ...title, date_style: "D/M/YYYY" };
    case "territory":
    case "text":
      return title;
  }
}

/** The whole `column_settings` of a question. */
export function columnSettings(columns: readonly QuestionColumn[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(columns.map((c) => [columnKey(c.name), columnSettingsOf(c)]));
}

/**
 * The question's visualization settings as `apply` writes them: the file's, and the column settings. A key
 * figure (`scalar`) whose second column is the previous period's shows its first: `scalar.field`.
 */
export function cardVisualizationSettings(
  question: { display: string; visualization: Record<string, unknown> },
  columns: readonly QuestionColumn[],
): Record<string, unknown> {
  if (columns.length === 0) return question.visualization;
  const scalar =
    question.display === "scalar" &&
    columns.length > 1 &&
    question.visualization["scalar.field"] === undefined
      ? { "scalar.field": columns[0]!.name }
      : {};
  return { ...question.visualization, ...scalar, column_settings: columnSettings(columns) };
}

/** The alias a column-settings key stands for, in the current (`["name", …]`) or legacy (`["ref", ["field", …]]`) form. */
export function columnNameOfKey(key: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (parsed[0] === "name" && typeof parsed[1] === "string") return parsed[1];
  const ref: unknown = parsed[1];
  if (parsed[0] === "ref" && Array.isArray(ref) && ref[0] === "field" && typeof ref[1] === "string")
    return ref[1];
  return undefined;
}

/**
 * Settings read back from Metabase, with every column key in the current form: a legacy key's settings
 * land under `["name", alias]`, over the current key's (Metabase reads the legacy one first). A setting
 * whose key names no alias (a field id of an MBQL question) is kept as it came.
 */
export function normaliseColumnSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const raw = settings["column_settings"];
  if (!isRecord(raw)) return settings;
  const merged: Record<string, Record<string, unknown>> = {};
  const put = (key: string, value: unknown) => {
    merged[key] = { ...merged[key], ...(isRecord(value) ? value : {}) };
  };
  const legacy: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(raw)) {
    const name = columnNameOfKey(key);
    if (name !== undefined && key !== columnKey(name)) legacy.push([columnKey(name), value]);
    else put(key, value);
  }
  for (const [key, value] of legacy) put(key, value);
  return { ...settings, column_settings: merged };
}

function titleOf(settings: unknown): string | undefined {
  return isRecord(settings) && typeof settings["column_title"] === "string"
    ? settings["column_title"]
    : undefined;
}

/** Column titles set in these settings, by alias. */
export function columnTitles(settings: Record<string, unknown>): Record<string, string> {
  const raw = normaliseColumnSettings(settings)["column_settings"];
  if (!isRecord(raw)) return {};
  return Object.fromEntries(
    Object.entries(raw).flatMap(([key, value]) => {
      const name = columnNameOfKey(key);
      const title = titleOf(value);
      return name === undefined || title === undefined ? [] : [[name, title]];
    }),
  );
}

/** Readable lines for a difference of visualization settings: column by column, then the rest. */
export function visualizationDetails(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const columnsOf = (s: Record<string, unknown>) =>
    isRecord(s["column_settings"]) ? (s["column_settings"] as Record<string, unknown>) : {};
  const lines: string[] = [];
  const [b, a] = [columnsOf(before), columnsOf(after)];
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    const name = columnNameOfKey(key) ?? key;
    const [was, will] = [titleOf(b[key]), titleOf(a[key])];
    if (was !== will) lines.push(`colonne ${name} : titre « ${was ?? name} » → « ${will ?? name} »`);
    else lines.push(`colonne ${name} : format modifié`);
  }
  const rest = (s: Record<string, unknown>) => JSON.stringify({ ...s, column_settings: undefined });
  if (rest(before) !== rest(after)) lines.push("autres réglages de visualisation modifiés");
  return lines;
}
