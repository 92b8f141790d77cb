/**
 * Query-string names the questions API reads for itself (`?format=csv&dialect=excel-fr`): a question
 * parameter with one of these names could never be set through the API, so `validate` refuses it.
 */
export const RESERVED_PARAMETER_NAMES: ReadonlySet<string> = new Set(["format", "dialect"]);
