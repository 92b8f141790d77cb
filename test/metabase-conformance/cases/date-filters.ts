import { col, T, type Row, type TagSpec } from "../row.js";
import { DATES_TEST, SUBSTITUTE_TEST } from "./sources.js";

const category = "date field filters";
const onDate = (widget = "date/all-options"): TagSpec => ({
  name: "d",
  type: "dimension",
  column: "opened_on",
  widget,
});
const onDateTime = (widget = "date/all-options"): TagSpec => ({
  name: "d",
  type: "dimension",
  column: "checked_at",
  widget,
});
const sql = `SELECT id FROM ${T} WHERE {{d}} ORDER BY id`;
const where = (clause: string) => `SELECT id FROM ${T} WHERE ${clause} ORDER BY id`;
const DATE = col("opened_on");
const TS = col("checked_at");
const FIELD_DATES = "expand-field-filters-for-date-field-test";
const FIELD_DATETIMES = "expand-field-filters-for-datetime-field-test";
const WEEKS = "the gateway refuses week units (they depend on Metabase's start-of-week setting)";

export const dateFilterRows: Row[] = [
  {
    id: "date-single",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › dimension (date/single)` },
    sql,
    tags: [onDate("date/single")],
    params: [{ tag: "d", type: "date/single", value: "2016-06-07" }],
    expect: { sql: where(`${DATE} = ?`), params: ["2016-06-07"], rows: [4] },
  },
  {
    id: "date-range",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › dimension (date/range)` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "2016-06-01~2016-07-01" }],
    expect: {
      sql: where(`${DATE} BETWEEN ? AND ?`),
      params: ["2016-06-01", "2016-07-01"],
      rows: [2, 3, 4, 5],
    },
  },
  {
    id: "date-month-year",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › dimension (date/month-year)` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/month-year", value: "2016-07" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-07-01", "2016-07-31"], rows: [5, 6] },
  },
  {
    id: "date-quarter-year",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › dimension (date/quarter-year)` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/quarter-year", value: "Q1-2016" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-01-01", "2016-03-31"], rows: [9, 10] },
  },
  {
    id: "date-before-excludes-the-day",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › dimension (date/all-options, before)` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/all-options", value: "~2016-07-01" }],
    expect: { sql: where(`${DATE} < ?`), params: ["2016-07-01"], rows: [1, 2, 3, 4, 8, 9, 10] },
  },
  {
    id: "date-after-excludes-the-day",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › dimension (date/all-options, after)` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/all-options", value: "2016-07-01~" }],
    expect: { sql: where(`${DATE} > ?`), params: ["2016-07-01"], rows: [6, 7] },
  },
  {
    id: "date-yesterday",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › relative date — 'yesterday'` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "yesterday" }],
    expect: { sql: where(`${DATE} = ?`), params: ["2016-06-06"], rows: [3] },
  },
  {
    id: "date-past7days",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › relative date — 'past7days'` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "past7days" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-05-31", "2016-06-06"], rows: [1, 2, 3] },
  },
  {
    id: "date-past30days",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › relative date — 'past30days'` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "past30days" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-05-08", "2016-06-06"], rows: [1, 2, 3] },
  },
  {
    id: "date-thisyear",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › relative date — 'thisyear'` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "thisyear" }],
    expect: {
      sql: where(`${DATE} BETWEEN ? AND ?`),
      params: ["2016-01-01", "2016-12-31"],
      rows: [1, 2, 3, 4, 5, 6, 7, 9, 10],
    },
  },
  {
    id: "date-lastmonth",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATES} › relative date — 'lastmonth'` },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "lastmonth" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-05-01", "2016-05-31"], rows: [1] },
  },
  {
    id: "date-past2months-including-current",
    category,
    source: { file: DATES_TEST, test: "date-string->range-test › relative (past) › past2months~" },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "past2months~" }],
    expect: {
      sql: where(`${DATE} BETWEEN ? AND ?`),
      params: ["2016-04-01", "2016-06-30"],
      rows: [1, 2, 3, 4],
    },
  },
  {
    id: "date-past3days-from-1months",
    category,
    source: { file: DATES_TEST, test: "date-string->range-test › relative (past) with starting from" },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "past3days-from-1months" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-05-04", "2016-05-06"], rows: [] },
  },
  {
    id: "date-thisweek",
    category,
    source: {
      file: SUBSTITUTE_TEST,
      test: `${FIELD_DATES} › relative date — 'thisweek' (start-of-week Sunday)`,
    },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "thisweek" }],
    expect: { sql: where(`${DATE} BETWEEN ? AND ?`), params: ["2016-06-05", "2016-06-11"], rows: [3, 4] },
    gateway: { refuses: WEEKS },
  },
  {
    id: "date-yesterday-in-report-zone",
    category,
    source: {
      file: DATES_TEST,
      test: "custom-start-of-week-test (the clock carries its zone) — yesterday in Asia/Tokyo",
    },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "yesterday" }],
    now: "2016-06-07T23:30:00Z",
    timeZone: "Asia/Tokyo",
    expect: { sql: where(`${DATE} = ?`), params: ["2016-06-07"], rows: [4] },
  },
  {
    id: "datetime-single-day",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATETIMES} › dimension (date/single)` },
    sql,
    tags: [onDateTime("date/single")],
    params: [{ tag: "d", type: "date/single", value: "2016-06-07" }],
    expect: {
      sql: where(`${TS} >= ? AND ${TS} < ?`),
      params: ["2016-06-07T00:00:00", "2016-06-08T00:00:00"],
      rows: [2, 3, 4],
    },
  },
  {
    id: "datetime-range",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATETIMES} › dimension (date/range)` },
    sql,
    tags: [onDateTime()],
    params: [{ tag: "d", type: "date/range", value: "2016-06-07~2016-07-01" }],
    expect: {
      sql: where(`${TS} >= ? AND ${TS} < ?`),
      params: ["2016-06-07T00:00:00", "2016-07-02T00:00:00"],
      rows: [2, 3, 4, 5, 6],
    },
  },
  {
    id: "datetime-past7days",
    category,
    source: { file: SUBSTITUTE_TEST, test: `${FIELD_DATETIMES} › relative date — 'past7days'` },
    sql,
    tags: [onDateTime()],
    params: [{ tag: "d", type: "date/range", value: "past7days" }],
    expect: {
      sql: where(`${TS} >= ? AND ${TS} < ?`),
      params: ["2016-05-31T00:00:00", "2016-06-07T00:00:00"],
      rows: [1],
    },
  },
  {
    id: "date-invalid-string",
    category,
    source: {
      file: DATES_TEST,
      test: "date-string->range: Don't know how to parse date param — invalid format",
    },
    sql,
    tags: [onDate()],
    params: [{ tag: "d", type: "date/range", value: "last-tuesday" }],
    expect: {
      error: {
        type: "invalid-parameter",
        message: "Don't know how to parse date param 'last-tuesday' — invalid format",
      },
    },
  },
];
