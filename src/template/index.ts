/** Metabase's native-query template language: parse, then render to parameterised SQL for Postgres. */
export { TemplateError, type TemplateErrorCode } from "./errors.js";
export { parseTemplate, listTagUses, type TemplateNode, type TagUse } from "./parse.js";
export { renderNativeQuery } from "./render.js";
export { asSubquery } from "./subquery.js";
export { addDays, dateStringToRange, dayIn, formatDay, parseDay, type Day, type DayRange } from "./dates.js";
export type {
  ColumnType,
  RenderOptions,
  RenderedQuery,
  ResolvedColumn,
  TemplateParameter,
  TemplateTag,
} from "./types.js";
export {
  PILOTAGE_COLUMN,
  parseQualifiedColumn,
  pilotageDimension,
  resolvePilotageColumn,
} from "./pilotage-column.js";
