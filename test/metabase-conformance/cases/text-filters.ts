import { ALL_IDS, col, T, type Row, type TagSpec } from "../row.js";
import { OPERATORS_SRC, SUBSTITUTE_TEST, SUBSTITUTION_TEST, VALUES_TEST } from "./sources.js";

const category = "text field filters";
const filter = (column: string, widget = "category", extra: Partial<TagSpec> = {}): TagSpec => ({
  name: "f",
  type: "dimension",
  column,
  widget,
  ...extra,
});
const sql = `SELECT id FROM ${T} WHERE {{f}} ORDER BY id`;
const where = (clause: string) => `SELECT id FROM ${T} WHERE ${clause} ORDER BY id`;
const MBQL_TEXT =
  "Metabase compiles operator types through MBQL (parenthesised, OR-chained); the gateway writes = / IN";
const REFUSED = "the gateway refuses operator types other than string/= and number/= (sql/README.md)";

export const textFilterRows: Row[] = [
  {
    id: "text-single",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-field-filters-for-date-field-test › dimension — text" },
    sql,
    tags: [filter("name")],
    params: [{ tag: "f", type: "category", value: "Kinaree" }],
    expect: { sql: where(`${col("name")} = ?`), params: ["Kinaree"], rows: [8] },
  },
  {
    id: "text-several-values",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "field-filter->replacement-snippet-info: sequential value → IN (…)",
    },
    sql,
    tags: [filter("category")],
    params: [{ tag: "f", type: "category", value: ["Asian", "BBQ"] }],
    expect: { sql: where(`${col("category")} IN (?, ?)`), params: ["Asian", "BBQ"], rows: [1, 6, 7] },
  },
  {
    id: "text-no-value",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "expand-field-filters-for-date-field-test › dimension with no value — just replace with an always true clause",
    },
    sql,
    tags: [filter("category")],
    expect: { sql: where("1 = 1"), rows: ALL_IDS },
  },
  {
    id: "text-tag-default",
    category,
    source: { file: VALUES_TEST, test: "field-filter-default-values-test (tag default, no parameter)" },
    sql,
    tags: [filter("category", "category", { default: "Asian" })],
    expect: { sql: where(`${col("category")} = ?`), params: ["Asian"], rows: [1, 6] },
  },
  {
    id: "text-targeted-by-id",
    category,
    source: {
      file: VALUES_TEST,
      test: "field-filter-date-range-targeted-by-id-test (target [:template-tag {:id …}])",
    },
    sql,
    tags: [filter("category", "category", { extra: { id: "0b7d3c9e-1f2a-4c5b-9d8e-7a6b5c4d3e2f" } })],
    params: [
      {
        tag: "f",
        type: "category",
        value: "Diner",
        target: ["dimension", ["template-tag", { id: "0b7d3c9e-1f2a-4c5b-9d8e-7a6b5c4d3e2f" }]],
      },
    ],
    expect: { sql: where(`${col("category")} = ?`), params: ["Diner"], rows: [5] },
  },
  {
    id: "text-operator-equals-one",
    category,
    source: { file: SUBSTITUTE_TEST, test: 'substitute-field-filter-test-2 › :string/= ["foo"]' },
    sql,
    tags: [filter("category", "string/=")],
    params: [{ tag: "f", type: "string/=", value: ["Burger"] }],
    expect: { sql: where(`(${col("category")} = ?)`), params: ["Burger"], rows: [2, 3, 10] },
    gateway: { sqlText: MBQL_TEXT },
  },
  {
    id: "text-operator-equals-several",
    category,
    source: { file: SUBSTITUTE_TEST, test: 'substitute-field-filter-test-2 › :string/= ["foo" "bar" "baz"]' },
    sql,
    tags: [filter("category", "string/=")],
    params: [{ tag: "f", type: "string/=", value: ["Burger", "Diner"] }],
    expect: {
      sql: where(`((${col("category")} = ?) OR (${col("category")} = ?))`),
      params: ["Burger", "Diner"],
      rows: [2, 3, 5, 10],
    },
    gateway: { sqlText: MBQL_TEXT },
  },
  {
    id: "text-operator-not-equals",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :string/!=" },
    sql,
    tags: [filter("category", "string/!=")],
    params: [{ tag: "f", type: "string/!=", value: ["Burger"] }],
    expect: {
      sql: where(`((${col("category")} <> ?) OR (${col("category")} IS NULL))`),
      params: ["Burger"],
      rows: [1, 4, 5, 6, 7, 8, 9],
    },
    gateway: { refuses: REFUSED },
  },
  {
    id: "text-operator-contains",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :string/contains" },
    sql,
    tags: [filter("name", "string/contains")],
    params: [{ tag: "f", type: "string/contains", value: ["ur"] }],
    expect: { sql: where(`(${col("name")} LIKE ?)`), params: ["%ur%"], rows: [2, 4] },
    gateway: { refuses: REFUSED },
  },
  {
    id: "text-operator-contains-case-insensitive",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "substitute-field-filter-test-2 › :string/contains {:case-sensitive false}",
    },
    sql,
    tags: [filter("name", "string/contains", { options: { "case-sensitive": false } })],
    params: [{ tag: "f", type: "string/contains", value: ["BUR"] }],
    expect: { sql: where(`(LOWER(${col("name")}) LIKE ?)`), params: ["%bur%"], rows: [2] },
    gateway: { refuses: REFUSED },
  },
  {
    id: "text-operator-starts-with",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-field-filter-test-2 › :string/starts-with" },
    sql,
    tags: [filter("name", "string/starts-with")],
    params: [{ tag: "f", type: "string/starts-with", value: ["In"] }],
    expect: { sql: where(`(${col("name")} LIKE ?)`), params: ["In%"], rows: [10] },
    gateway: { refuses: REFUSED },
  },
  {
    id: "text-operator-no-values",
    category,
    source: { file: OPERATORS_SRC, test: "verify-type-and-arity: No values provided for operator" },
    sql,
    tags: [filter("category", "string/=")],
    params: [{ tag: "f", type: "string/=", value: [] }],
    embed: true,
    versions: { to: 50 },
    expect: { error: { type: "invalid-parameter", message: "No values provided for operator: :string/=" } },
  },
  {
    id: "text-quotes-bound",
    category,
    source: {
      file: SUBSTITUTION_TEST,
      test: "field-filter->replacement-snippet-info-test (value bound, never inlined)",
    },
    sql,
    tags: [filter("name")],
    params: [{ tag: "f", type: "category", value: "Bludso's" }],
    expect: { sql: where(`${col("name")} = ?`), params: ["Bludso's"], rows: [7] },
  },
];
