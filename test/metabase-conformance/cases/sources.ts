/** Where the rows' facts were read, in the `metabase/metabase` repository. */
export const PARSE_TEST = "test/metabase/driver/common/parameters/parse_test.clj";
export const VALUES_TEST = "test/metabase/driver/common/parameters/values_test.clj";
export const DATES_TEST = "test/metabase/driver/common/parameters/dates_test.clj";
export const SUBSTITUTE_TEST = "test/metabase/driver/sql/parameters/substitute_test.clj";
export const SUBSTITUTION_TEST = "test/metabase/driver/sql/parameters/substitution_test.clj";
/** Rows that restate a source function rather than a test name the function's behaviour. */
export const VALUES_SRC = "src/metabase/driver/common/parameters/values.clj";
export const SUBSTITUTE_SRC = "src/metabase/driver/sql/parameters/substitute.clj";
export const SUBSTITUTION_SRC = "src/metabase/driver/sql/parameters/substitution.clj";
export const OPERATORS_SRC = "src/metabase/driver/common/parameters/operators.clj";
export const EMBED_SRC = "src/metabase/embedding_rest/api/common.clj";
