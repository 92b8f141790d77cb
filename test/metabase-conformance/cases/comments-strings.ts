import { ALL_IDS, T, type Row } from "../row.js";
import { PARSE_TEST, SUBSTITUTE_TEST } from "./sources.js";

const category = "comments and strings containing {{";
const text = (name: string) => ({ name, type: "text" as const });

export const commentAndStringRows: Row[] = [
  {
    id: "line-comment",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › Queries with params in SQL comments (#7742) — SELECT -- {{foo}}",
    },
    sql: `SELECT id FROM ${T} -- WHERE category = {{foo}}\nORDER BY id`,
    tags: [],
    expect: { sql: `SELECT id FROM ${T} -- WHERE category = {{foo}}\nORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "block-comment",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › Queries with params in SQL comments (#7742) — /* \\n --{{foo}} */ {{bar}}",
    },
    sql: `SELECT id FROM ${T} /* \n --{{foo}} */ WHERE category = {{bar}} ORDER BY id`,
    tags: [text("bar")],
    params: [{ tag: "bar", type: "category", value: "Thai" }],
    expect: {
      sql: `SELECT id FROM ${T} /* \n --{{foo}} */ WHERE category = ? ORDER BY id`,
      params: ["Thai"],
      rows: [8],
    },
  },
  {
    id: "comment-inside-optional-default-trick",
    category,
    source: { file: PARSE_TEST, test: "parse-test › [[{{this}} -- and]] that" },
    sql: `SELECT id FROM ${T} WHERE price = [[{{p}} --]] 2\nORDER BY id`,
    tags: [{ name: "p", type: "number" }],
    params: [{ tag: "p", type: "category", value: "3" }],
    expect: { sql: `SELECT id FROM ${T} WHERE price = 3 -- 2\nORDER BY id`, rows: [1, 6] },
  },
  {
    id: "comment-inside-optional-default-used",
    category,
    source: { file: PARSE_TEST, test: "parse-test › [[{{this}} -- and]] that (no value)" },
    sql: `SELECT id FROM ${T} WHERE price = [[{{p}} --]] 2\nORDER BY id`,
    tags: [{ name: "p", type: "number" }],
    expect: { sql: `SELECT id FROM ${T} WHERE price =  2\nORDER BY id`, rows: [2, 3, 4, 5, 7] },
  },
  {
    id: "tag-inside-quotes-is-a-tag",
    category,
    source: {
      file: PARSE_TEST,
      test: "tokens-in-strings-test › Parse well-formed tokens in strings ('{{x}}')",
    },
    sql: `SELECT id FROM ${T} WHERE name = '{{x}}' ORDER BY id`,
    tags: [text("x")],
    expect: {
      error: {
        type: "missing-required-parameter",
        message: 'Cannot run the query: missing required parameters: #{"x"}',
      },
    },
  },
  {
    id: "malformed-token-in-string",
    category,
    source: {
      file: PARSE_TEST,
      test: "tokens-in-strings-test › skip malformed parameter tokens in strings ('{{')",
    },
    sql: `SELECT id FROM ${T} WHERE name <> '{{' ORDER BY id`,
    tags: [],
    versions: { from: 51 },
    expect: { sql: `SELECT id FROM ${T} WHERE name <> '{{' ORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "malformed-token-in-string-v50",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › invalid/unterminated template params throw (before PR #46547)",
    },
    sql: `SELECT id FROM ${T} WHERE name <> '{{' ORDER BY id`,
    tags: [],
    versions: { to: 50 },
    expect: { error: { type: "invalid-query" } },
  },
  {
    id: "comment-marker-in-string",
    category,
    source: {
      file: PARSE_TEST,
      test: "tokens-in-strings-test › skip comment start in strings (concat('--',{{x}}))",
    },
    sql: `SELECT id FROM ${T} WHERE name <> ('--' || {{x}}) ORDER BY id`,
    tags: [text("x")],
    params: [{ tag: "x", type: "category", value: "a" }],
    versions: { from: 51 },
    expect: {
      sql: `SELECT id FROM ${T} WHERE name <> ('--' || ?) ORDER BY id`,
      params: ["a"],
      rows: ALL_IDS,
    },
  },
  {
    id: "closing-brackets-in-string",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › Queries that contain non-param fragments like '}}' (']]')",
    },
    sql: `SELECT id FROM ${T} WHERE name <> ']]' [[AND category = {{foo}}]] ORDER BY id`,
    tags: [text("foo")],
    params: [{ tag: "foo", type: "category", value: "Asian" }],
    expect: {
      sql: `SELECT id FROM ${T} WHERE name <> ']]' AND category = ? ORDER BY id`,
      params: ["Asian"],
      rows: [1, 6],
    },
  },
  {
    id: "closing-braces-in-string",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › Queries that contain non-param fragments like '}}' ('}}')",
    },
    sql: `SELECT id FROM ${T} WHERE name <> '}}' [[AND category = {{foo}}]] ORDER BY id`,
    tags: [text("foo")],
    expect: { sql: `SELECT id FROM ${T} WHERE name <> '}}'  ORDER BY id`, rows: ALL_IDS },
  },
  {
    id: "three-braces",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse-test › JSON queries that contain non-param fragments like '}}' ({{{date}}})",
    },
    // `{{{x}}}` is `{` + {{x}} + `}`: the SQL Metabase then sends is `= {? }`, which Postgres refuses.
    sql: `SELECT id FROM ${T} WHERE name = {{{x}}} ORDER BY id`,
    tags: [text("x")],
    params: [{ tag: "x", type: "category", value: "a" }],
    expect: { error: { type: "sql" } },
  },
  {
    id: "unbalanced-clause",
    category,
    source: { file: PARSE_TEST, test: "parse-test › invalid/unterminated template params/clauses throw" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{foo}} ORDER BY id`,
    tags: [text("foo")],
    params: [{ tag: "foo", type: "category", value: "Asian" }],
    versions: { from: 51 },
    expect: {
      error: {
        type: "invalid-query",
        message: "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
      },
    },
  },
  {
    id: "empty-tag",
    category,
    source: { file: PARSE_TEST, test: "parse: '{{...}}' clauses cannot be empty (lib/parse.cljc)" },
    sql: `SELECT id FROM ${T} WHERE category = {{ }} ORDER BY id`,
    tags: [],
    versions: { from: 51 },
    expect: { error: { type: "invalid-query", message: "'{{...}}' clauses cannot be empty." } },
  },
  {
    id: "optional-without-tag",
    category,
    source: {
      file: PARSE_TEST,
      test: "parse: [[...]] clauses must contain at least one '{{...}}' clause (lib/parse.cljc)",
    },
    sql: `SELECT id FROM ${T} [[WHERE category = 'Thai']] ORDER BY id`,
    tags: [],
    versions: { from: 51 },
    expect: {
      error: {
        type: "invalid-query",
        message: "[[...]] clauses must contain at least one '{{...}}' clause.",
      },
    },
  },
  {
    id: "spaces-around-tag-name",
    category,
    source: { file: SUBSTITUTE_TEST, test: "optional-substitution-test ({{ toucans_are_cool }})" },
    sql: `SELECT id FROM ${T} [[WHERE category = {{ category }}]] ORDER BY id`,
    tags: [text("category")],
    params: [{ tag: "category", type: "category", value: "Thai" }],
    expect: { sql: `SELECT id FROM ${T} WHERE category = ? ORDER BY id`, params: ["Thai"], rows: [8] },
  },
];
