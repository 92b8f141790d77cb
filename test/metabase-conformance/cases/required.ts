import { T, type Row } from "../row.js";
import { SUBSTITUTE_SRC, SUBSTITUTE_TEST, VALUES_TEST } from "./sources.js";

const category = "required tags without a value";
const pick = (name: string) => `You'll need to pick a value for '${name}' before this query can run.`;

export const requiredRows: Row[] = [
  {
    id: "required-unspecified",
    category,
    source: { file: VALUES_TEST, test: "variable-value-test › Unspecified value when required" },
    sql: `SELECT id FROM ${T} WHERE category = {{category}} ORDER BY id`,
    tags: [{ name: "category", type: "text", display: "Category", required: true }],
    expect: { error: { type: "missing-required-parameter", message: pick("Category") } },
  },
  {
    id: "required-null-value",
    category,
    source: { file: VALUES_TEST, test: "variable-value-test › Empty value when required" },
    sql: `SELECT id FROM ${T} WHERE category = {{category}} ORDER BY id`,
    tags: [{ name: "category", type: "text", display: "Category", required: true }],
    params: [{ tag: "category", type: "category", value: null }],
    expect: { error: { type: "missing-required-parameter", message: pick("Category") } },
  },
  {
    id: "required-default-used",
    category,
    source: { file: VALUES_TEST, test: "variable-value-test › Default used with unspecified value" },
    sql: `SELECT id FROM ${T} WHERE category = {{category}} ORDER BY id`,
    tags: [{ name: "category", type: "text", display: "Category", required: true, default: "Burger" }],
    expect: {
      sql: `SELECT id FROM ${T} WHERE category = ? ORDER BY id`,
      params: ["Burger"],
      rows: [2, 3, 10],
    },
  },
  {
    id: "required-inside-optional",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-variables-test › unspecified *required* param" },
    sql: `SELECT id FROM ${T} [[WHERE id = {{id}}]] ORDER BY id`,
    tags: [{ name: "id", type: "number", display: "ID", required: true }],
    expect: { error: { type: "missing-required-parameter", message: pick("ID") } },
  },
  {
    id: "required-number-default-inlined",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-variables-test › default value" },
    sql: `SELECT id FROM ${T} WHERE id = {{id}} ORDER BY id`,
    tags: [{ name: "id", type: "number", display: "ID", required: true, default: "3" }],
    expect: { sql: `SELECT id FROM ${T} WHERE id = 3 ORDER BY id`, rows: [3] },
  },
  {
    id: "required-field-filter-unspecified",
    category,
    source: { file: VALUES_TEST, test: "field-filter-with-required-but-no-value-test" },
    sql: `SELECT id FROM ${T} WHERE {{opened}} ORDER BY id`,
    tags: [
      {
        name: "opened",
        type: "dimension",
        display: "Checkin Date",
        column: "opened_on",
        widget: "date/all-options",
        required: true,
      },
    ],
    expect: { error: { type: "missing-required-parameter", message: pick("Checkin Date") } },
  },
  {
    id: "required-field-filter-default",
    category,
    source: { file: VALUES_TEST, test: "field-filter-with-required-and-default-test" },
    sql: `SELECT id FROM ${T} WHERE {{opened}} ORDER BY id`,
    tags: [
      {
        name: "opened",
        type: "dimension",
        display: "Checkin Date",
        column: "opened_on",
        widget: "date/range",
        required: true,
        default: "2016-06-01~2016-06-30",
      },
    ],
    expect: {
      sql: `SELECT id FROM ${T} WHERE "public"."conformance_places"."opened_on" BETWEEN ? AND ? ORDER BY id`,
      params: ["2016-06-01", "2016-06-30"],
      rows: [2, 3, 4],
    },
  },
  {
    id: "required-field-filter-null-value",
    category,
    source: {
      file: VALUES_TEST,
      test: "field-filter-value (nil value, tag required, no default) — values.clj",
    },
    sql: `SELECT id FROM ${T} WHERE {{cat}} ORDER BY id`,
    tags: [{ name: "cat", type: "dimension", display: "Catégorie", column: "category", required: true }],
    params: [{ tag: "cat", type: "category", value: null }],
    expect: { error: { type: "missing-required-parameter", message: pick("Catégorie") } },
  },
  {
    id: "undeclared-or-valueless-tag",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "basic-substitution-test › Should throw an Exception if a required param is missing",
    },
    sql: `SELECT id FROM ${T} WHERE price = {{price}} AND category = {{category}} ORDER BY id`,
    tags: [
      { name: "price", type: "number" },
      { name: "category", type: "text" },
    ],
    params: [{ tag: "price", type: "category", value: "2" }],
    expect: {
      error: {
        type: "missing-required-parameter",
        message: 'Cannot run the query: missing required parameters: #{"category"}',
      },
    },
  },
  {
    id: "tag-not-declared",
    category,
    source: { file: SUBSTITUTE_SRC, test: "substitute-param: a {{tag}} with no template tag is missing" },
    sql: `SELECT id FROM ${T} WHERE category = {{nowhere}} ORDER BY id`,
    tags: [],
    expect: {
      error: {
        type: "missing-required-parameter",
        message: 'Cannot run the query: missing required parameters: #{"nowhere"}',
      },
    },
  },
  {
    id: "two-tags-missing-set-order",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "optional-substitution-test › should throw an Exception if a required param is missing",
    },
    sql: `SELECT id FROM ${T} WHERE name = {{name}} AND category = {{category}} AND price = {{price}} ORDER BY id`,
    tags: [
      { name: "name", type: "text" },
      { name: "category", type: "text" },
      { name: "price", type: "number" },
    ],
    expect: {
      error: {
        type: "missing-required-parameter",
        message: 'Cannot run the query: missing required parameters: #{"name" "category" "price"}',
      },
    },
  },
];
