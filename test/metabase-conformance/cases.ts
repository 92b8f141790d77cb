import { commentAndStringRows } from "./cases/comments-strings.js";
import { dateFilterRows } from "./cases/date-filters.js";
import { listRows } from "./cases/lists.js";
import { numberFilterRows } from "./cases/number-filters.js";
import { optionalRows } from "./cases/optional.js";
import { rawValueRows } from "./cases/raw-values.js";
import { refusedRows } from "./cases/refused.js";
import { requiredRows } from "./cases/required.js";
import { textFilterRows } from "./cases/text-filters.js";
import type { Row } from "./row.js";

/** The whole conformance table, one file per category (test/metabase-conformance/cases/). */
export const CONFORMANCE_ROWS: readonly Row[] = [
  ...optionalRows,
  ...requiredRows,
  ...textFilterRows,
  ...numberFilterRows,
  ...dateFilterRows,
  ...listRows,
  ...rawValueRows,
  ...commentAndStringRows,
  ...refusedRows,
];
