import { ALL_IDS, col, T, type Row, type TagSpec } from "../row.js";
import { EMBED_SRC, SUBSTITUTION_SRC, VALUES_SRC, VALUES_TEST } from "./sources.js";

const category = "lists, [] and null";
const filter: TagSpec = { name: "f", type: "dimension", column: "category", widget: "category" };
const ffSql = `SELECT id FROM ${T} WHERE {{f}} ORDER BY id`;
const where = (clause: string) => `SELECT id FROM ${T} WHERE ${clause} ORDER BY id`;
const rawIn = `SELECT id FROM ${T} WHERE true [[AND category IN ({{cats}})]] ORDER BY id`;

export const listRows: Row[] = [
  {
    id: "list-raw-text",
    category,
    source: {
      file: SUBSTITUTION_SRC,
      test: '->replacement-snippet-info IPersistentVector: values joined with ", "',
    },
    sql: rawIn,
    tags: [{ name: "cats", type: "text" }],
    params: [{ tag: "cats", type: "category", value: ["Asian", "BBQ"] }],
    expect: { sql: where("true AND category IN (?, ?)"), params: ["Asian", "BBQ"], rows: [1, 6, 7] },
  },
  {
    id: "list-raw-number-operator",
    category,
    source: { file: VALUES_TEST, test: "variable-value-test › Multiple values with new operators" },
    sql: `SELECT id FROM ${T} WHERE price IN ({{prices}}) ORDER BY id`,
    tags: [{ name: "prices", type: "number" }],
    params: [{ tag: "prices", type: "number/=", value: ["1", "3"] }],
    expect: { sql: where("price IN (1, 3)"), rows: [1, 6, 8, 9, 10] },
  },
  {
    id: "list-raw-number-commas",
    category,
    source: { file: VALUES_SRC, test: "value->number: comma-separated numbers become a list" },
    sql: `SELECT id FROM ${T} WHERE price IN ({{prices}}) ORDER BY id`,
    tags: [{ name: "prices", type: "number" }],
    params: [{ tag: "prices", type: "category", value: "2,3" }],
    expect: { sql: where("price IN (2, 3)"), rows: [1, 2, 3, 4, 5, 6, 7] },
  },
  {
    id: "list-field-filter-null",
    category,
    source: { file: VALUES_TEST, test: "field-filter-nil-values-test (nil value → no value)" },
    sql: ffSql,
    tags: [filter],
    params: [{ tag: "f", type: "category", value: null }],
    expect: { sql: where("1 = 1"), rows: ALL_IDS },
  },
  {
    id: "list-field-filter-empty-embed",
    category,
    source: { file: EMBED_SRC, test: "validate-and-merge-params: (not-empty) turns [] into nil (v51+)" },
    sql: ffSql,
    tags: [filter],
    params: [{ tag: "f", type: "category", value: [] }],
    embed: true,
    versions: { from: 51 },
    expect: { sql: where("1 = 1"), rows: ALL_IDS },
  },
  {
    id: "list-field-filter-empty-embed-v50",
    category,
    source: {
      file: EMBED_SRC,
      test: "validate-and-merge-params (v0.50.3: no not-empty) → IN () reaches Postgres",
    },
    sql: ffSql,
    tags: [filter],
    params: [{ tag: "f", type: "category", value: [] }],
    embed: true,
    versions: { to: 50 },
    expect: { error: { type: "sql" } },
  },
  {
    id: "list-raw-empty-embed",
    category,
    source: { file: EMBED_SRC, test: "validate-and-merge-params: (not-empty) turns [] into nil (v51+)" },
    sql: rawIn,
    tags: [{ name: "cats", type: "text" }],
    params: [{ tag: "cats", type: "category", value: [] }],
    embed: true,
    versions: { from: 51 },
    expect: { sql: where("true"), rows: ALL_IDS },
  },
  {
    id: "list-raw-empty-embed-v50",
    category,
    source: {
      file: EMBED_SRC,
      test: "validate-and-merge-params (v0.50.3): [] is a value, joined into nothing",
    },
    sql: rawIn,
    tags: [{ name: "cats", type: "text" }],
    params: [{ tag: "cats", type: "category", value: [] }],
    embed: true,
    versions: { to: 50 },
    expect: { error: { type: "sql" } },
  },
  {
    id: "list-field-filter-empty-required-embed",
    category,
    source: {
      file: VALUES_TEST,
      test: "field-filter-with-required-but-no-value-test, after the embed's not-empty",
    },
    sql: ffSql,
    tags: [{ ...filter, display: "Catégorie", required: true }],
    params: [{ tag: "f", type: "category", value: [] }],
    embed: true,
    versions: { from: 51 },
    expect: {
      error: {
        type: "missing-required-parameter",
        message: "You'll need to pick a value for 'Catégorie' before this query can run.",
      },
    },
  },
  {
    id: "list-field-filter-list-of-null",
    category,
    source: { file: VALUES_SRC, test: "field-filter-value: (some :value …) — [nil] is a value" },
    sql: ffSql,
    tags: [filter],
    params: [{ tag: "f", type: "category", value: [null] }],
    expect: { sql: where(`${col("category")} IN (NULL)`), rows: [] },
  },
  {
    id: "list-field-filter-one-item",
    category,
    source: {
      file: SUBSTITUTION_SRC,
      test: "field-filter->replacement-snippet-info: a one-item vector is still IN (…)",
    },
    sql: ffSql,
    tags: [filter],
    params: [{ tag: "f", type: "category", value: ["Thai"] }],
    expect: { sql: where(`${col("category")} IN (?)`), params: ["Thai"], rows: [8] },
  },
  {
    id: "list-two-parameters-one-tag",
    category,
    source: { file: VALUES_TEST, test: "field-filter-multiple-values-for-same-tag-test" },
    sql: ffSql,
    tags: [filter],
    params: [
      { tag: "f", type: "category", value: ["Burger", "Asian"] },
      { tag: "f", type: "category", value: "Asian" },
    ],
    expect: {
      sql: where(`(${col("category")} IN (?, ?) AND ${col("category")} = ?)`),
      params: ["Burger", "Asian", "Asian"],
      rows: [1, 6],
    },
  },
];
