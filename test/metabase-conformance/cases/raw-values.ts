import { T, type Row } from "../row.js";
import { SUBSTITUTE_TEST, SUBSTITUTION_SRC, VALUES_SRC, VALUES_TEST } from "./sources.js";

const category = "raw values by type";
const where = (clause: string) => `SELECT id FROM ${T} WHERE ${clause} ORDER BY id`;

export const rawValueRows: Row[] = [
  {
    id: "raw-text-bound",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-variables-test › specified param (text)" },
    sql: where("category = {{category}}"),
    tags: [{ name: "category", type: "text" }],
    params: [{ tag: "category", type: "category", value: "Burger" }],
    expect: { sql: where("category = ?"), params: ["Burger"], rows: [2, 3, 10] },
  },
  {
    id: "raw-text-with-quote",
    category,
    source: { file: SUBSTITUTE_TEST, test: 'optional-substitution-test ("yo\' mama" is bound)' },
    sql: where("name = {{name}}"),
    tags: [{ name: "name", type: "text" }],
    params: [{ tag: "name", type: "category", value: "Bludso's" }],
    expect: { sql: where("name = ?"), params: ["Bludso's"], rows: [7] },
  },
  {
    id: "raw-number-inlined",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-variables-test › specified param (numbers)" },
    sql: where("id = {{id}}"),
    tags: [{ name: "id", type: "number", display: "ID", required: true, default: "100" }],
    params: [{ tag: "id", type: "category", value: "2" }],
    expect: { sql: where("id = 2"), rows: [2] },
  },
  {
    id: "raw-number-decimal",
    category,
    source: { file: VALUES_SRC, test: 'parse-number: (Double/parseDouble "4.5")' },
    sql: where("score >= {{min}}"),
    tags: [{ name: "min", type: "number" }],
    params: [{ tag: "min", type: "category", value: "4.5" }],
    expect: { sql: where("score >= 4.5"), rows: [1, 10] },
  },
  {
    id: "raw-number-negative",
    category,
    source: { file: VALUES_SRC, test: 'parse-number: (parse-long "-1")' },
    sql: where("price > {{min}}"),
    tags: [{ name: "min", type: "number" }],
    params: [{ tag: "min", type: "category", value: "-1" }],
    expect: { sql: where("price > -1"), rows: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  },
  {
    id: "raw-number-invalid",
    category,
    source: { file: VALUES_SRC, test: 'value->number of "1; DROP TABLE" → NumberFormatException' },
    sql: where("id = {{id}}"),
    tags: [{ name: "id", type: "number" }],
    params: [{ tag: "id", type: "category", value: "1; DROP TABLE conformance_places" }],
    expect: {
      error: { type: "invalid-parameter", message: 'For input string: "1; DROP TABLE conformance_places"' },
    },
  },
  {
    id: "raw-number-json-value-in-text-tag",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "optional-substitution-test (a number value is written, not bound)",
    },
    sql: where("price = {{price}}"),
    tags: [{ name: "price", type: "text" }],
    params: [{ tag: "price", type: "category", value: 3 }],
    expect: { sql: where("price = 3"), rows: [1, 6] },
  },
  {
    id: "raw-date-bound",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-variables-test › specified param (date/single)" },
    sql: where("opened_on > {{d}}"),
    tags: [{ name: "d", type: "date" }],
    params: [{ tag: "d", type: "date/single", value: "2016-06-07" }],
    expect: { sql: where("opened_on > ?"), params: ["2016-06-07"], rows: [5, 6, 7] },
  },
  {
    id: "raw-datetime-bound",
    category,
    source: { file: SUBSTITUTION_SRC, test: "maybe-parse-temporal-literal: a local date-time string" },
    sql: where("checked_at < {{t}}"),
    tags: [{ name: "t", type: "date" }],
    params: [{ tag: "t", type: "date/single", value: "2016-06-07T12:00:00" }],
    expect: { sql: where("checked_at < ?"), params: ["2016-06-07T12:00:00"], rows: [1, 2, 3, 8, 9, 10] },
  },
  {
    id: "raw-date-default",
    category,
    source: {
      file: VALUES_TEST,
      test: "variable-value-test › Default used with unspecified value (date tag)",
    },
    sql: where("opened_on >= {{d}}"),
    tags: [{ name: "d", type: "date", default: "2016-07-02" }],
    expect: { sql: where("opened_on >= ?"), params: ["2016-07-02"], rows: [6, 7] },
  },
  {
    id: "raw-multiple-parameters-one-tag",
    category,
    source: {
      file: VALUES_SRC,
      test: "param-value-for-raw-value-tag: multiple values specified for parameter",
    },
    sql: where("category = {{category}}"),
    tags: [{ name: "category", type: "text" }],
    params: [
      { tag: "category", type: "category", value: "Burger" },
      { tag: "category", type: "category", value: "Asian" },
    ],
    expect: {
      error: {
        type: "invalid-parameter",
        message:
          "Error: multiple values specified for parameter; non-Field Filter parameters can only have one value.",
      },
    },
  },
];
