import { col, T, type Row, type TagSpec } from "../row.js";
import { SUBSTITUTE_TEST, VALUES_SRC, VALUES_TEST } from "./sources.js";

const category = "number field filters";
const filter = (column: string, widget = "category"): TagSpec => ({
  name: "f",
  type: "dimension",
  column,
  widget,
});
const sql = `SELECT id FROM ${T} WHERE {{f}} ORDER BY id`;
const where = (clause: string) => `SELECT id FROM ${T} WHERE ${clause} ORDER BY id`;
const MBQL_TEXT =
  "Metabase compiles operator types through MBQL (parenthesised, OR-chained); the gateway writes = / IN";
const REFUSED = "the gateway refuses operator types other than string/= and number/= (sql/README.md)";

export const numberFilterRows: Row[] = [
  {
    id: "number-type-number",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "expand-field-filters-for-date-field-test › dimension — number — should get parsed to Number",
    },
    sql,
    tags: [filter("price", "number")],
    params: [{ tag: "f", type: "number", value: "2" }],
    expect: { sql: where(`${col("price")} = 2`), rows: [2, 3, 4, 5, 7] },
  },
  {
    id: "number-id-parsed-by-column-type",
    category,
    source: { file: VALUES_TEST, test: "field-filter-id-requiring-parsing-test" },
    sql,
    tags: [filter("id", "id")],
    params: [{ tag: "f", type: "id", value: "5" }],
    expect: { sql: where(`${col("id")} = 5`), rows: [5] },
  },
  {
    id: "number-category-list-parsed",
    category,
    source: {
      file: VALUES_SRC,
      test: "update-filter-for-field-type: strings of a :type/Number column → numbers",
    },
    sql,
    tags: [filter("price")],
    params: [{ tag: "f", type: "category", value: ["1", "3"] }],
    expect: { sql: where(`${col("price")} IN (1, 3)`), rows: [1, 6, 8, 9, 10] },
  },
  {
    id: "number-comma-separated",
    category,
    source: { file: VALUES_SRC, test: "value->number: a string is split on commas" },
    sql,
    tags: [filter("price", "number")],
    params: [{ tag: "f", type: "number", value: "1,3" }],
    expect: { sql: where(`${col("price")} IN (1, 3)`), rows: [1, 6, 8, 9, 10] },
  },
  {
    id: "number-decimal-column",
    category,
    source: { file: VALUES_SRC, test: "value->number: a string with a dot is a Double" },
    sql,
    tags: [filter("score")],
    params: [{ tag: "f", type: "category", value: "4.5" }],
    expect: { sql: where(`${col("score")} = 4.5`), rows: [1, 10] },
  },
  {
    id: "number-operator-equals-one",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :number/= [1]" },
    sql,
    tags: [filter("price", "number/=")],
    params: [{ tag: "f", type: "number/=", value: [2] }],
    expect: { sql: where(`(${col("price")} = 2)`), rows: [2, 3, 4, 5, 7] },
    gateway: { sqlText: MBQL_TEXT },
  },
  {
    id: "number-operator-equals-several",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :number/= [1 2 3]" },
    sql,
    tags: [filter("price", "number/=")],
    params: [{ tag: "f", type: "number/=", value: [1, 3] }],
    expect: { sql: where(`((${col("price")} = 1) OR (${col("price")} = 3))`), rows: [1, 6, 8, 9, 10] },
    gateway: { sqlText: MBQL_TEXT },
  },
  {
    id: "number-operator-between",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :number/between" },
    sql,
    tags: [filter("price", "number/between")],
    params: [{ tag: "f", type: "number/between", value: [1, 2] }],
    expect: { sql: where(`${col("price")} BETWEEN 1 AND 2`), rows: [2, 3, 4, 5, 7, 8, 9, 10] },
    gateway: { refuses: REFUSED },
  },
  {
    id: "number-operator-at-least",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :number/>=" },
    sql,
    tags: [filter("price", "number/>=")],
    params: [{ tag: "f", type: "number/>=", value: [3] }],
    expect: { sql: where(`(${col("price")} >= 3)`), rows: [1, 6] },
    gateway: { refuses: REFUSED },
  },
  {
    id: "number-operator-not-equals",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :number/!= [1]" },
    sql,
    tags: [filter("price", "number/!=")],
    params: [{ tag: "f", type: "number/!=", value: [2] }],
    expect: {
      sql: where(`((${col("price")} <> 2) OR (${col("price")} IS NULL))`),
      rows: [1, 6, 8, 9, 10],
    },
    gateway: { refuses: REFUSED },
  },
  {
    id: "number-not-a-number",
    category,
    source: { file: VALUES_SRC, test: 'parse-number: (biginteger "abc") → NumberFormatException' },
    sql,
    tags: [filter("price", "number")],
    params: [{ tag: "f", type: "number", value: "abc" }],
    expect: { error: { type: "invalid-parameter", message: 'For input string: "abc"' } },
  },
];
