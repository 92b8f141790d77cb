import assert from "node:assert/strict";
import {
  renderNativeQuery,
  resolvePilotageColumn,
  TemplateError,
  type ColumnType,
  type TemplateParameter,
  type TemplateTag,
} from "../../src/template/index.js";

const NOW = new Date("2024-05-15T10:00:00Z");

function textTag(name: string, extra: Partial<TemplateTag> = {}): TemplateTag {
  return { name, "display-name": name.toUpperCase(), type: "text", ...extra };
}
function numberTag(name: string, extra: Partial<TemplateTag> = {}): TemplateTag {
  return { name, "display-name": name.toUpperCase(), type: "number", ...extra };
}
function fieldTag(name: string, column: string, extra: Partial<TemplateTag> = {}): TemplateTag {
  return {
    name,
    "display-name": name.toUpperCase(),
    type: "dimension",
    dimension: ["pilotage-column", column],
    ...extra,
  };
}
function variable(name: string, value: unknown, type = "category"): TemplateParameter {
  return { type, target: ["variable", ["template-tag", name]], value };
}
function dimension(name: string, value: unknown, type = "category"): TemplateParameter {
  return { type, target: ["dimension", ["template-tag", name]], value };
}
function tagsOf(...tags: TemplateTag[]): Record<string, TemplateTag> {
  return Object.fromEntries(tags.map((t) => [t.name, t]));
}
function render(
  sql: string,
  tags: TemplateTag[],
  params: TemplateParameter[] = [],
  types: Record<string, ColumnType> = {},
) {
  return renderNativeQuery(sql, tagsOf(...tags), params, {
    resolveField: resolvePilotageColumn(types),
    now: NOW,
  });
}
function fails(fn: () => unknown, message: string, code?: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TemplateError, `not a TemplateError: ${String(error)}`);
    assert.equal(error.message, message);
    if (code) assert.equal(error.code, code);
    return true;
  });
}

describe("renderNativeQuery: contract §3.4 test vectors", () => {
  it("binds a raw variable", () => {
    assert.deepEqual(render("SELECT 1 WHERE a = {{a}}", [textTag("a")], [variable("a", "x")]), {
      sql: "SELECT 1 WHERE a = $1",
      values: ["x"],
    });
  });

  it("drops an optional clause without a value (and trims)", () => {
    assert.deepEqual(render("SELECT * FROM t [[WHERE a = {{a}}]]", [textTag("a")]), {
      sql: "SELECT * FROM t",
      values: [],
    });
  });

  it("renders an empty field filter as 1 = 1", () => {
    assert.deepEqual(render("SELECT * FROM t WHERE {{ff}}", [fieldTag("ff", "public.t.status")]), {
      sql: "SELECT * FROM t WHERE 1 = 1",
      values: [],
    });
  });

  it("renders a multi-value field filter as IN on the qualified column", () => {
    assert.deepEqual(
      render(
        "SELECT * FROM t WHERE {{ff}}",
        [fieldTag("ff", "public.t.status")],
        [dimension("ff", ["a", "b"])],
      ),
      { sql: 'SELECT * FROM t WHERE "public"."t"."status" IN ($1, $2)', values: ["a", "b"] },
    );
  });

  it("splits a comma-separated number into a list of bound numbers", () => {
    assert.deepEqual(
      render(
        "SELECT * FROM t WHERE id IN ({{ids}})",
        [numberTag("ids")],
        [variable("ids", "1,2", "number/=")],
      ),
      { sql: "SELECT * FROM t WHERE id IN ($1, $2)", values: [1, 2] },
    );
  });

  it("refuses a raw variable without a value outside an optional clause", () => {
    fails(
      () => render("SELECT * FROM t WHERE a = {{a}}", [textTag("a")]),
      'Cannot run the query: missing required parameters: #{"a"}',
      "missing-required-parameter",
    );
  });

  it("refuses a required variable without a value or default", () => {
    fails(
      () => render("SELECT * FROM t WHERE a = {{a}}", [textTag("a", { required: true })]),
      "You'll need to pick a value for 'A' before this query can run.",
      "missing-required-parameter",
    );
  });

  it("leaves tags in comments alone", () => {
    assert.deepEqual(render("-- {{a}}\nSELECT 1", [textTag("a")]), { sql: "-- {{a}}\nSELECT 1", values: [] });
  });

  it("drops a clause when any tag inside it is missing", () => {
    assert.deepEqual(render("[[AND {{a}} = {{b}}]]", [textTag("a"), textTag("b")], [variable("a", "x")]), {
      sql: "",
      values: [],
    });
  });
});

describe("renderNativeQuery: value resolution (contract §3.2)", () => {
  const sql = "SELECT * FROM t WHERE a = {{a}}";

  it("prefers the parameter's value, then the tag default, then the parameter default", () => {
    assert.deepEqual(render(sql, [textTag("a", { default: "d" })], [variable("a", "v")]).values, ["v"]);
    assert.deepEqual(render(sql, [textTag("a", { default: "d" })]).values, ["d"]);
    const withDefault: TemplateParameter = { ...variable("a", undefined), default: "p" };
    assert.deepEqual(render(sql, [textTag("a", { required: true, default: "d" })], [withDefault]).values, [
      "d",
    ]);
    assert.deepEqual(render(sql, [textTag("a", { required: true })], [withDefault]).values, ["p"]);
    // A parameter present without a value switches an optional tag off, whatever the defaults.
    fails(
      () => render(sql, [textTag("a", { default: "d" })], [withDefault]),
      'Cannot run the query: missing required parameters: #{"a"}',
    );
  });

  it("treats a null value on an optional tag as no value, even with a default", () => {
    const sqlOpt = "SELECT * FROM t [[WHERE a = {{a}}]]";
    assert.deepEqual(render(sqlOpt, [textTag("a", { default: "d" })], [variable("a", null)]), {
      sql: "SELECT * FROM t",
      values: [],
    });
  });

  it("uses the default of a required tag whose parameter is null", () => {
    assert.deepEqual(
      render(sql, [textTag("a", { required: true, default: "d" })], [variable("a", null)]).values,
      ["d"],
    );
  });

  it("treats [] like the embedding API does: no value", () => {
    fails(
      () => render(sql, [textTag("a", { required: true })], [variable("a", [])]),
      "You'll need to pick a value for 'A' before this query can run.",
    );
  });

  it("matches parameters by tag id as well as by name, and ignores other targets", () => {
    const tag = textTag("a", { id: "11111111-2222-3333-4444-555555555555" });
    const byId: TemplateParameter = {
      type: "category",
      target: ["variable", ["template-tag", { id: tag.id }], { "stage-number": 0 }],
      value: "v",
    };
    assert.deepEqual(render(sql, [tag], [byId]).values, ["v"]);
    fails(
      () => render(sql, [textTag("a")], [dimension("a", "v"), variable("b", "w")]),
      'Cannot run the query: missing required parameters: #{"a"}',
    );
    const otherStage = {
      ...variable("a", "v"),
      target: ["variable", ["template-tag", "a"], { "stage-number": 1 }],
    };
    fails(
      () => render(sql, [textTag("a")], [otherStage]),
      'Cannot run the query: missing required parameters: #{"a"}',
    );
  });

  it("refuses two parameters for one raw variable", () => {
    fails(
      () => render(sql, [textTag("a")], [variable("a", "x"), variable("a", "y")]),
      "Error: multiple values specified for parameter; non-Field Filter parameters can only have one value.",
      "invalid-parameter",
    );
  });

  it("resolves every tag, even one the SQL does not use, before parsing", () => {
    fails(
      () => render("SELECT {{", [textTag("unused", { required: true })]),
      "You'll need to pick a value for 'UNUSED' before this query can run.",
    );
    fails(
      () => render("SELECT {{", [textTag("unused")]),
      "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
    );
  });

  it("treats a tag the SQL uses but nobody declared as missing", () => {
    fails(
      () => render("SELECT {{b}}, {{a}}, {{c}}", [textTag("a")], [variable("a", "x")]),
      // Clojure's hash-set order (by the 5-bit chunks of Murmur3 of String.hashCode), not the SQL order.
      'Cannot run the query: missing required parameters: #{"b" "c"}',
    );
  });

  it("binds lists of text as comma-separated placeholders", () => {
    assert.deepEqual(
      render("SELECT * FROM t WHERE a IN ({{a}})", [textTag("a")], [variable("a", ["x", "y", "z"])]),
      { sql: "SELECT * FROM t WHERE a IN ($1, $2, $3)", values: ["x", "y", "z"] },
    );
  });

  it("parses numbers like Metabase (Java long, double, big integer)", () => {
    const sqlN = "SELECT {{n}}";
    assert.deepEqual(render(sqlN, [numberTag("n")], [variable("n", "42")]).values, [42]);
    assert.deepEqual(render(sqlN, [numberTag("n")], [variable("n", "-1.5")]).values, [-1.5]);
    assert.deepEqual(render(sqlN, [numberTag("n")], [variable("n", 7)]).values, [7]);
    assert.deepEqual(render(sqlN, [numberTag("n")], [variable("n", ["1", "2,3"])]).values, [1, 2, 3]);
    assert.deepEqual(render(sqlN, [numberTag("n")], [variable("n", "123456789012345678901")]).values, [
      "123456789012345678901",
    ]);
    assert.deepEqual(render(sqlN, [numberTag("n")], [variable("n", "1,2,")]).values, [1, 2]);
    fails(
      () => render(sqlN, [numberTag("n")], [variable("n", "1; DROP TABLE t")]),
      'For input string: "1; DROP TABLE t"',
      "invalid-parameter",
    );
    fails(() => render(sqlN, [numberTag("n")], [variable("n", "1, 2")]), 'For input string: " 2"');
  });

  it("keeps the wrapped message Metabase logs", () => {
    try {
      render("SELECT {{n}}", [numberTag("n")], [variable("n", "x")]);
      assert.fail("should throw");
    } catch (error) {
      assert.ok(error instanceof TemplateError);
      assert.equal(
        error.wrappedMessage,
        'Error building query parameter map: Error determining value for parameter "n": For input string: "x"',
      );
      assert.equal(error.tag, "n");
    }
  });

  it("binds raw dates after checking them, and refuses anything else", () => {
    const dateTag: TemplateTag = { name: "d", "display-name": "D", type: "date" };
    assert.deepEqual(render("SELECT {{d}}", [dateTag], [variable("d", "2024-02-29", "date/single")]).values, [
      "2024-02-29",
    ]);
    fails(
      () => render("SELECT {{d}}", [dateTag], [variable("d", "2023-02-29", "date/single")]),
      "Don't know how to parse date param '2023-02-29' — invalid format",
    );
    fails(
      () => render("SELECT {{d}}", [dateTag], [variable("d", "past30days", "date/single")]),
      "Don't know how to parse date param 'past30days' — invalid format",
    );
  });

  it("keeps a well-formed tag inside quotes a placeholder, as Metabase does", () => {
    assert.deepEqual(render("SELECT '{{a}}'", [textTag("a")], [variable("a", "x")]), {
      sql: "SELECT '$1'",
      values: ["x"],
    });
  });

  it("keeps nested optional clauses independent", () => {
    const tags = [textTag("a"), textTag("b")];
    const sqlN = "SELECT 1 [[AND a = {{a}} [[AND b = {{b}}]]]]";
    assert.deepEqual(render(sqlN, tags, [variable("a", "x")]), { sql: "SELECT 1 AND a = $1", values: ["x"] });
    assert.deepEqual(render(sqlN, tags, [variable("b", "y")]), { sql: "SELECT 1", values: [] });
    assert.deepEqual(render(sqlN, tags, [variable("a", "x"), variable("b", "y")]), {
      sql: "SELECT 1 AND a = $1 AND b = $2",
      values: ["x", "y"],
    });
  });

  it("supports the default-value trick with a comment inside an optional clause", () => {
    const dateTag: TemplateTag = { name: "d", "display-name": "D", type: "date" };
    const sqlD = "SELECT * FROM t WHERE d = [[{{d}} --]] CURRENT_DATE";
    assert.deepEqual(render(sqlD, [dateTag], [variable("d", "2024-01-02", "date/single")]), {
      sql: "SELECT * FROM t WHERE d = $1 -- CURRENT_DATE",
      values: ["2024-01-02"],
    });
    assert.deepEqual(render(sqlD, [dateTag]), { sql: "SELECT * FROM t WHERE d =  CURRENT_DATE", values: [] });
  });

  it("numbers placeholders in order across kept and dropped clauses", () => {
    const tags = [textTag("a"), textTag("b"), textTag("c")];
    const params = [variable("a", "x"), variable("c", ["y", "z"])];
    assert.deepEqual(render("{{a}} [[{{b}}]] [[{{c}}]] {{a}}", tags, params), {
      sql: "$1  $2, $3 $4",
      values: ["x", "y", "z", "x"],
    });
  });

  it("refuses snippets and card references rather than mis-rendering them", () => {
    const snippet: TemplateTag = { name: "snippet: x", "display-name": "x", type: "snippet" };
    fails(
      () => render("SELECT 1", [snippet]),
      'Unsupported template tag type "snippet" for {{snippet: x}}',
      "unsupported",
    );
  });
});

describe("renderNativeQuery: field filters (contract §3.3)", () => {
  const ff = fieldTag("ff", "public.t.status");
  const sql = "SELECT * FROM t WHERE {{ff}}";

  it("renders a single value as = and a list as IN, for every equality type", () => {
    assert.deepEqual(
      render(sql, [ff], [dimension("ff", "a")]).sql,
      'SELECT * FROM t WHERE "public"."t"."status" = $1',
    );
    assert.deepEqual(
      render(sql, [ff], [dimension("ff", ["a"], "id")]).sql,
      'SELECT * FROM t WHERE "public"."t"."status" IN ($1)',
    );
    assert.deepEqual(render(sql, [ff], [dimension("ff", ["a"], "string/=")]), {
      sql: 'SELECT * FROM t WHERE "public"."t"."status" = $1',
      values: ["a"],
    });
    assert.deepEqual(render(sql, [ff], [dimension("ff", "a", "string/=")]).values, ["a"]);
    assert.deepEqual(render(sql, [ff], [dimension("ff", ["a", "b"], "string/=")]), {
      sql: 'SELECT * FROM t WHERE "public"."t"."status" IN ($1, $2)',
      values: ["a", "b"],
    });
  });

  it("parses numbers for number types and number columns", () => {
    assert.deepEqual(render(sql, [ff], [dimension("ff", ["1", "2"], "number/=")]).values, [1, 2]);
    assert.deepEqual(render(sql, [ff], [dimension("ff", ["7"], "number")]), {
      sql: 'SELECT * FROM t WHERE "public"."t"."status" = $1',
      values: [7],
    });
    assert.deepEqual(
      render(sql, [ff], [dimension("ff", ["12", "13"], "category")], { "public.t.status": "number" }).values,
      [12, 13],
    );
  });

  it("ANDs several parameters on the same field filter", () => {
    assert.deepEqual(render(sql, [ff], [dimension("ff", "a"), dimension("ff", ["b", "c"])]), {
      sql: 'SELECT * FROM t WHERE ("public"."t"."status" = $1 AND "public"."t"."status" IN ($2, $3))',
      values: ["a", "b", "c"],
    });
  });

  it("treats [] as no value (Metabase's embedding API: filter off), [null] as a value that selects nothing", () => {
    assert.deepEqual(render(sql, [ff], [dimension("ff", [])]).sql, "SELECT * FROM t WHERE 1 = 1");
    // values.clj keeps any truthy :value, and [nil] is truthy: Metabase renders `IN (NULL)`, never `1 = 1`.
    assert.deepEqual(render(sql, [ff], [dimension("ff", [null])]), {
      sql: 'SELECT * FROM t WHERE "public"."t"."status" IN ($1)',
      values: [null],
    });
    fails(
      () => render(sql, [ff], [dimension("ff", [null], "string/=")]),
      "Unsupported null in the string/= field filter {{ff}} in this renderer",
      "unsupported",
    );
    fails(
      () => render(sql, [fieldTag("ff", "public.t.status", { required: true })], [dimension("ff", [])]),
      "You'll need to pick a value for 'FF' before this query can run.",
    );
  });

  it("drops a clause around an empty field filter, and ignores defaults when a parameter is null", () => {
    const tag = fieldTag("ff", "public.t.status", { default: "d" });
    assert.deepEqual(render("SELECT 1 [[AND {{ff}}]]", [tag], [dimension("ff", null)]).sql, "SELECT 1");
    assert.deepEqual(render("SELECT 1 [[AND {{ff}}]]", [tag]), {
      sql: 'SELECT 1 AND "public"."t"."status" = $1',
      values: ["d"],
    });
  });

  it("quotes identifiers and refuses unknown columns", () => {
    const tag = fieldTag("ff", "not-a-column");
    fails(
      () => render(sql, [tag]),
      'Can\'t find field with ID: ["pilotage-column","not-a-column"]',
      "invalid-parameter",
    );
  });

  it("refuses operator types it does not render", () => {
    fails(
      () => render(sql, [ff], [dimension("ff", ["a"], "string/contains")]),
      "Unsupported parameter type string/contains for field filter {{ff}} in this renderer",
      "unsupported",
    );
  });
});

describe("renderNativeQuery: date field filters", () => {
  const onDate = fieldTag("d", "public.t.jour");
  const sql = "SELECT * FROM t WHERE {{d}}";
  const dateCol = { "public.t.jour": "date" as const };
  const col = '"public"."t"."jour"';

  const cases: Array<[string, string, string, unknown[]]> = [
    ["date/all-options", "2024-01-31", `${col} = $1`, ["2024-01-31"]],
    ["date/single", "2024-01-31", `${col} = $1`, ["2024-01-31"]],
    ["date/month-year", "2024-02", `${col} BETWEEN $1 AND $2`, ["2024-02-01", "2024-02-29"]],
    ["date/quarter-year", "Q4-2023", `${col} BETWEEN $1 AND $2`, ["2023-10-01", "2023-12-31"]],
    ["date/range", "2024-01-01~2024-03-31", `${col} BETWEEN $1 AND $2`, ["2024-01-01", "2024-03-31"]],
    ["date/all-options", "~2024-01-31", `${col} < $1`, ["2024-01-31"]],
    ["date/all-options", "2024-01-01~", `${col} > $1`, ["2024-01-01"]],
    ["date/relative", "today", `${col} = $1`, ["2024-05-15"]],
    ["date/relative", "yesterday", `${col} = $1`, ["2024-05-14"]],
    ["date/relative", "past30days", `${col} BETWEEN $1 AND $2`, ["2024-04-15", "2024-05-14"]],
    ["date/relative", "past30days~", `${col} BETWEEN $1 AND $2`, ["2024-04-15", "2024-05-15"]],
    ["date/relative", "past3months", `${col} BETWEEN $1 AND $2`, ["2024-02-01", "2024-04-30"]],
    ["date/relative", "past12months~", `${col} BETWEEN $1 AND $2`, ["2023-05-01", "2024-05-31"]],
    ["date/relative", "past1years", `${col} BETWEEN $1 AND $2`, ["2023-01-01", "2023-12-31"]],
    ["date/relative", "next2quarters", `${col} BETWEEN $1 AND $2`, ["2024-07-01", "2024-12-31"]],
    ["date/relative", "thismonth", `${col} BETWEEN $1 AND $2`, ["2024-05-01", "2024-05-31"]],
    ["date/relative", "lastmonth", `${col} BETWEEN $1 AND $2`, ["2024-04-01", "2024-04-30"]],
    ["date/relative", "thisyear", `${col} BETWEEN $1 AND $2`, ["2024-01-01", "2024-12-31"]],
    ["date/relative", "lastyear", `${col} BETWEEN $1 AND $2`, ["2023-01-01", "2023-12-31"]],
    ["date/relative", "thisquarter", `${col} BETWEEN $1 AND $2`, ["2024-04-01", "2024-06-30"]],
    ["date/relative", "past2years-from-1years", `${col} BETWEEN $1 AND $2`, ["2021-01-01", "2022-12-31"]],
  ];
  for (const [type, value, where, values] of cases) {
    it(`renders ${value} (${type}) on a date column`, () => {
      assert.deepEqual(render(sql, [onDate], [dimension("d", value, type)], dateCol), {
        sql: `SELECT * FROM t WHERE ${where}`,
        values,
      });
    });
  }

  it("renders half-open day ranges on timestamp or untyped columns", () => {
    const half = (value: string, type = "date/all-options") =>
      render(sql, [onDate], [dimension("d", value, type)]);
    assert.deepEqual(half("2024-01-31"), {
      sql: `SELECT * FROM t WHERE ${col} >= $1 AND ${col} < $2`,
      values: ["2024-01-31", "2024-02-01"],
    });
    assert.deepEqual(half("2024-01-31", "date/single").values, ["2024-01-31", "2024-02-01"]);
    assert.deepEqual(half("2024-02").values, ["2024-02-01", "2024-03-01"]);
    assert.deepEqual(half("~2024-01-31"), {
      sql: `SELECT * FROM t WHERE ${col} < $1`,
      values: ["2024-01-31"],
    });
    assert.deepEqual(half("2024-01-01~"), {
      sql: `SELECT * FROM t WHERE ${col} >= $1`,
      values: ["2024-01-02"],
    });
    assert.deepEqual(half("2023-12-31~2024-01-01").values, ["2023-12-31", "2024-01-02"]);
  });

  it("computes relative dates on the calendar of the time zone", () => {
    const late = new Date("2024-05-15T23:30:00Z"); // already the 16th in Paris
    const rendered = renderNativeQuery(sql, tagsOf(onDate), [dimension("d", "today", "date/relative")], {
      resolveField: resolvePilotageColumn(dateCol),
      now: late,
    });
    assert.deepEqual(rendered.values, ["2024-05-16"]);
    const utc = renderNativeQuery(sql, tagsOf(onDate), [dimension("d", "today", "date/relative")], {
      resolveField: resolvePilotageColumn(dateCol),
      now: late,
      timeZone: "UTC",
    });
    assert.deepEqual(utc.values, ["2024-05-15"]);
  });

  const refused: Array<[string, string, string]> = [
    [
      "past2weeks",
      "Unsupported date filter value 'past2weeks': the unit \"week\" is not supported (use day, month, quarter or year)",
      "unsupported",
    ],
    [
      "thisweek",
      "Unsupported date filter value 'thisweek': the unit \"week\" is not supported (use day, month, quarter or year)",
      "unsupported",
    ],
    [
      "past3hours",
      "Unsupported date filter value 'past3hours': the unit \"hour\" is not supported (use day, month, quarter or year)",
      "unsupported",
    ],
    [
      "exclude-days-Mon",
      "Unsupported date filter value 'exclude-days-Mon': exclusions are not supported",
      "unsupported",
    ],
    [
      "2024-01-31T10:00",
      "Unsupported date filter value '2024-01-31T10:00': date-times are not supported",
      "unsupported",
    ],
    ["2024-13", "Don't know how to parse date param '2024-13' — invalid format", "invalid-parameter"],
    ["soon", "Don't know how to parse date param 'soon' — invalid format", "invalid-parameter"],
    [
      "2024-03-01~2024-01-01",
      "Invalid date range '2024-03-01~2024-01-01': :start must come before :end",
      "invalid-parameter",
    ],
  ];
  for (const [value, message, code] of refused) {
    it(`refuses ${value} instead of dropping the filter`, () => {
      fails(() => render(sql, [onDate], [dimension("d", value, "date/all-options")], dateCol), message, code);
    });
  }
});

describe("renderNativeQuery: Postgres placeholders", () => {
  it("keeps a placeholder from fusing with a neighbouring digit, word or placeholder", () => {
    const tags = [textTag("a"), textTag("b")];
    const params = [variable("a", "x"), variable("b", "y")];
    assert.deepEqual(render("SELECT {{a}}1, x{{b}}, {{a}}{{b}}", tags, params), {
      sql: "SELECT $1 1, x $2, $3 $4",
      values: ["x", "y", "x", "y"],
    });
    assert.deepEqual(render("WHERE a IN ({{a}}) AND b={{b}}", tags, params).sql, "WHERE a IN ($1) AND b=$2");
  });
});
