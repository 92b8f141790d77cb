import { ALL_IDS, T, type Row } from "../row.js";
import { PARSE_TEST, SUBSTITUTE_TEST, VALUES_TEST } from "./sources.js";

const category = "optional clauses";
const text = (name: string) => ({ name, type: "text" as const });
const num = (name: string) => ({ name, type: "number" as const });

export const optionalRows: Row[] = [
  {
    id: "optional-absent",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-test › optional substitution -- param not present" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{category}}]] ORDER BY id`,
    tags: [text("category")],
    expect: { sql: `SELECT id FROM ${T}  ORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "optional-present",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-test › optional substitution -- param present" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{category}}]] ORDER BY id`,
    tags: [text("category")],
    params: [{ tag: "category", type: "category", value: "Burger" }],
    expect: {
      sql: `SELECT id FROM ${T} WHERE category = ? ORDER BY id`,
      params: ["Burger"],
      rows: [2, 3, 10],
    },
  },
  {
    id: "optional-two-tags-one-absent",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-test › optional -- multiple params -- some present" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{category}} AND price = {{price}}]] ORDER BY id`,
    tags: [text("category"), num("price")],
    params: [{ tag: "category", type: "category", value: "Burger" }],
    expect: { sql: `SELECT id FROM ${T}  ORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "optional-two-tags-both",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-test › optional -- multiple params -- all present" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{category}} AND price = {{price}}]] ORDER BY id`,
    tags: [text("category"), num("price")],
    params: [
      { tag: "category", type: "category", value: "Burger" },
      { tag: "price", type: "category", value: "2" },
    ],
    expect: {
      sql: `SELECT id FROM ${T} WHERE category = ? AND price = 2 ORDER BY id`,
      params: ["Burger"],
      rows: [2, 3],
    },
  },
  {
    id: "optional-nested-inner-absent",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-test › nested optionals -- some present" },
    sql: `SELECT id FROM ${T} WHERE true [[AND category = {{category}} [[AND price = {{price}}]]]] ORDER BY id`,
    tags: [text("category"), num("price")],
    params: [{ tag: "category", type: "category", value: "Burger" }],
    expect: {
      sql: `SELECT id FROM ${T} WHERE true AND category = ?  ORDER BY id`,
      params: ["Burger"],
      rows: [2, 3, 10],
    },
  },
  {
    id: "optional-nested-all",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-test › nested optionals -- all present" },
    sql: `SELECT id FROM ${T} WHERE true [[AND category = {{category}} [[AND price = {{price}}]]]] ORDER BY id`,
    tags: [text("category"), num("price")],
    params: [
      { tag: "category", type: "category", value: "Burger" },
      { tag: "price", type: "category", value: "2" },
    ],
    expect: {
      sql: `SELECT id FROM ${T} WHERE true AND category = ? AND price = 2 ORDER BY id`,
      params: ["Burger"],
      rows: [2, 3],
    },
  },
  {
    id: "optional-nested-outer-absent",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "substitute-test › nested optionals -- some present (outer tag absent)",
    },
    sql: `SELECT id FROM ${T} WHERE true [[AND category = {{category}} [[AND price = {{price}}]]]] ORDER BY id`,
    tags: [text("category"), num("price")],
    params: [{ tag: "price", type: "category", value: "2" }],
    expect: { sql: `SELECT id FROM ${T} WHERE true  ORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "optional-second-of-two",
    category,
    source: { file: SUBSTITUTE_TEST, test: "optional-substitution-test (num_toucans absent, total_birds 5)" },
    sql: `SELECT id FROM ${T} WHERE true [[AND price > {{min_price}}]] [[AND price < {{max_price}}]] ORDER BY id`,
    tags: [num("min_price"), num("max_price")],
    params: [{ tag: "max_price", type: "category", value: "2" }],
    expect: { sql: `SELECT id FROM ${T} WHERE true  AND price < 2 ORDER BY id`, rows: [8, 9, 10] },
  },
  {
    id: "optional-same-tag-twice",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "optional-substitution-test (num_toucans > 5 AND num_toucans < 5)",
    },
    sql: `SELECT id FROM ${T} WHERE true [[AND price >= {{price}}]] [[AND price <= {{price}}]] ORDER BY id`,
    tags: [num("price")],
    params: [{ tag: "price", type: "category", value: "3" }],
    expect: { sql: `SELECT id FROM ${T} WHERE true AND price >= 3 AND price <= 3 ORDER BY id`, rows: [1, 6] },
  },
  {
    id: "optional-null-value-ignores-default",
    category,
    source: { file: VALUES_TEST, test: "variable-value-test › Default not used with empty value" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{category}}]] ORDER BY id`,
    tags: [{ name: "category", type: "text", default: "Asian" }],
    params: [{ tag: "category", type: "category", value: null }],
    expect: { sql: `SELECT id FROM ${T}  ORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "optional-field-filter-absent",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "expand-field-filters-for-date-field-test › *OPTIONAL* Field Filter params should not get replaced with 1 = 1",
    },
    sql: `SELECT id FROM ${T} WHERE price > 2 [[AND {{opened}}]] ORDER BY id`,
    tags: [{ name: "opened", type: "dimension", column: "opened_on", widget: "date/all-options" }],
    expect: { sql: `SELECT id FROM ${T} WHERE price > 2  ORDER BY id`, rows: [1, 6] },
  },
  {
    id: "optional-brackets-in-value",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › Multiple optional clauses (string_to_array inside [[ ]])",
    },
    sql: `SELECT id FROM ${T} [[ WHERE id = ANY(string_to_array({{ids}}, ',')::integer[]) ]] ORDER BY id`,
    tags: [text("ids")],
    params: [{ tag: "ids", type: "category", value: "3,7" }],
    expect: {
      sql: `SELECT id FROM ${T}  WHERE id = ANY(string_to_array(?, ',')::integer[])  ORDER BY id`,
      params: ["3,7"],
      rows: [3, 7],
    },
  },
];
