import { T, type Row } from "../row.js";
import { SUBSTITUTE_TEST, VALUES_TEST } from "./sources.js";

const category = "refused features";
const where = (clause: string) => `SELECT id FROM ${T} WHERE ${clause} ORDER BY id`;
const NO_SNIPPETS = "snippets are refused: the catalogue has none, and the test server stores none";
const NO_CARD_REFS = "references to other questions are refused: the catalogue has none";
const snippet = {
  name: "snippet: is_thai",
  type: "snippet" as const,
  extra: { "snippet-name": "is_thai", "snippet-id": 1 },
};
const card = { name: "#1", type: "card" as const, extra: { "card-id": 1 } };
const refusedBoth = (why: string) => ({ gateway: { refuses: why }, oracle: { refuses: why } });

export const refusedRows: Row[] = [
  {
    id: "snippet",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-native-query-snippets-test" },
    sql: where("{{snippet: is_thai}}"),
    tags: [snippet],
    expect: { sql: where("category = 'Thai'"), rows: [8] },
    ...refusedBoth(NO_SNIPPETS),
  },
  {
    id: "snippet-in-optional",
    category,
    source: { file: SUBSTITUTE_TEST, test: "substitute-native-query-snippets-test (inside [[ ]])" },
    sql: `SELECT id FROM ${T} WHERE true [[AND {{snippet: is_thai}}]] ORDER BY id`,
    tags: [snippet],
    expect: { sql: where("true AND category = 'Thai'"), rows: [8] },
    ...refusedBoth(NO_SNIPPETS),
  },
  {
    id: "snippet-beside-a-variable",
    category,
    source: {
      file: VALUES_TEST,
      test: "snippet template tags resolve to their content (parse-tag :snippet)",
    },
    sql: where("{{snippet: is_thai}} AND price = {{price}}"),
    tags: [snippet, { name: "price", type: "number" }],
    params: [{ tag: "price", type: "category", value: "1" }],
    expect: { sql: where("category = 'Thai' AND price = 1"), rows: [8] },
    ...refusedBoth(NO_SNIPPETS),
  },
  {
    id: "card-reference",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "substitute-referenced-card-query-test › Referenced card query substitution",
    },
    sql: `SELECT id FROM {{#1}} AS q ORDER BY id`,
    tags: [card],
    expect: { sql: `SELECT id FROM (SELECT id FROM ${T} WHERE price = 3) AS q ORDER BY id`, rows: [1, 6] },
    ...refusedBoth(NO_CARD_REFS),
  },
  {
    id: "card-reference-trailing-semicolon",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: "substitute-referenced-card-query-test › removes comments (#29168), trailing semicolons (#28218)",
    },
    sql: `SELECT id FROM {{#1}} AS q ORDER BY id`,
    tags: [card],
    expect: { sql: `SELECT id FROM (SELECT id FROM ${T} WHERE price = 3) AS q ORDER BY id`, rows: [1, 6] },
    ...refusedBoth(NO_CARD_REFS),
  },
  {
    id: "card-reference-in-optional",
    category,
    source: { file: VALUES_TEST, test: "card-query-test (a card tag in an optional clause)" },
    sql: `SELECT id FROM ${T} WHERE true [[AND id IN (SELECT id FROM {{#1}} AS q)]] ORDER BY id`,
    tags: [card],
    expect: {
      sql: where(`true AND id IN (SELECT id FROM (SELECT id FROM ${T} WHERE price = 3) AS q)`),
      rows: [1, 6],
    },
    ...refusedBoth(NO_CARD_REFS),
  },
  {
    id: "date-exclusion-days",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-exclude-field-filter-test › exclude date parts" },
    sql: where("{{d}}"),
    tags: [{ name: "d", type: "dimension", column: "opened_on", widget: "date/all-options" }],
    params: [{ tag: "d", type: "date/all-options", value: "exclude-days-Tue" }],
    expect: { rows: [2, 3, 5, 6, 7, 8, 9, 10] },
    ...refusedBoth(
      "date exclusions are refused: their SQL depends on the version and the start-of-week setting",
    ),
  },
  {
    id: "date-exclusion-months",
    category,
    source: { file: SUBSTITUTE_TEST, test: "expand-exclude-field-filter-test › exclude date parts (months)" },
    sql: where("{{d}}"),
    tags: [{ name: "d", type: "dimension", column: "opened_on", widget: "date/all-options" }],
    params: [{ tag: "d", type: "date/all-options", value: "exclude-months-Jun-Jul" }],
    expect: { rows: [1, 7, 8, 9, 10] },
    ...refusedBoth(
      "date exclusions are refused: their SQL depends on the version and the start-of-week setting",
    ),
  },
];
