/** Load and validate sql/ and metabase-config/: schema, template tags, lock contracts, content versions. */
export { loadCatalog, readCatalog, MULTI_VALUE_ATTRIBUTES } from "./load.js";
export { validateCatalog, GRID_COLUMNS, type ValidateOptions } from "./validate.js";
export { tagUses } from "./tag-uses.js";
export { CatalogError } from "./errors.js";
export { catalogWarnings, wiredColumns } from "./validate-filters.js";
export { checkCatalog, loadValidCatalog } from "./check.js";
export { contentVersion } from "./content-version.js";
export { RESERVED_PARAMETER_NAMES } from "./reserved-parameters.js";
export {
  EMBED_URL_LIMIT_BYTES,
  ASSUMED_SITE_URL_LENGTH,
  MAX_STRUCTURES,
  signedTokenLength,
  worstCaseEmbedUrlBytes,
  worstCaseLockValue,
} from "./embed-size.js";
export {
  dashboardCardParameters,
  dashboardParameterMetabaseType,
  fieldFilterWidget,
  questionCardParameters,
  questionColumnTypes,
  questionParameterMetabaseType,
  questionRenderParameters,
  questionTemplateTags,
  renderQuestion,
  templateTagId,
} from "./metabase-shapes.js";
export type * from "./types.js";
export {
  anchorDashboard,
  anchorDateString,
  anchorValue,
  anchorValues,
  cutoffDay,
  isRelativeDateString,
  RELATIVE_YEARS,
} from "./periods.js";
