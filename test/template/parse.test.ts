import assert from "node:assert/strict";
import { listTagUses, parseTemplate, TemplateError, type TemplateNode } from "../../src/template/index.js";

type Simple = string | { tag: string } | { optional: Simple[] };

function simplify(nodes: TemplateNode[]): Simple[] {
  return nodes.map((n) =>
    n.type === "text" ? n.text : n.type === "tag" ? { tag: n.name } : { optional: simplify(n.children) },
  );
}

const tag = (name: string) => ({ tag: name });
const optional = (...children: Simple[]) => ({ optional: children });

describe("template parser (contract §3.1)", () => {
  const cases: Array<[string, Simple[]]> = [
    ["select * from foo where bar=1", ["select * from foo where bar=1"]],
    ["select * from foo where bar={{baz}}", ["select * from foo where bar=", tag("baz")]],
    [
      "select * from foo [[where bar = {{baz}} ]]",
      ["select * from foo ", optional("where bar = ", tag("baz"), " ")],
    ],
    ["{{ spaced }}", [tag("spaced")]],
    [
      "SELECT * FROM t WHERE TRUE [[AND a > {{a}}]] [[AND b > {{b}}]]",
      ["SELECT * FROM t WHERE TRUE ", optional("AND a > ", tag("a")), " ", optional("AND b > ", tag("b"))],
    ],
    ["[[a {{x}} [[b {{y}}]] c]]", [optional("a ", tag("x"), " ", optional("b ", tag("y")), " c")]],
    ["SELECT [t.a] AS [a] FROM [t]", ["SELECT [t.a] AS [a] FROM [t]"]],
    ["SELECT array_dims(1 || '[0:1]={2,3}'::int[])", ["SELECT array_dims(1 || '[0:1]={2,3}'::int[])"]],
    ["SELECT count(*)\nFROM p\nWHERE c = {{c}}", ["SELECT count(*)\nFROM p\nWHERE c = ", tag("c")]],
    // Comments outside optional clauses are literal; inside a clause they are not special.
    ["SELECT -- {{foo}}", ["SELECT -- {{foo}}"]],
    ["-- {{a}}\nSELECT {{b}}", ["-- {{a}}\nSELECT ", tag("b")]],
    ["[[{{this}} -- and]] that", [optional(tag("this"), " -- and"), " that"]],
    ["SELECT /* \n --{{foo}} */ {{bar}}", ["SELECT /* \n --{{foo}} */ ", tag("bar")]],
    ["SELECT /* [[ {{x}} */ 1", ["SELECT /* [[ {{x}} */ 1"]],
    ["SELECT * FROM {{#12-a--b}}", ["SELECT * FROM ", tag("#12-a--b")]],
    ["SELECT * FROM {{#1-a/*b*/}}", ["SELECT * FROM ", tag("#1-a/*b*/")]],
    // `{{` is only the last two of three braces; stray closers are text.
    ["{$match: {{{date}}, field: 1}}}", ["{$match: {", tag("date"), ", field: 1}}}"]],
    ["select ']]' from t [[where x = {{foo}}]]", ["select ']]' from t ", optional("where x = ", tag("foo"))]],
    ["select '}}' from t [[where x = {{foo}}]]", ["select '}}' from t ", optional("where x = ", tag("foo"))]],
    ["a ]] b }} c", ["a ]] b }} c"]],
    // Inside an optional clause `]]` also closes a `{{`, then the next `]]` closes the clause.
    ["[[{{x]] ]]", [optional(tag("x"), " ")]],
    // Inside quotes a malformed clause stays text, a well-formed one is still a tag.
    ["'{{'", ["'{{'"]],
    ["'{{", ["'{{"]],
    ["'{{}}'", ["'{{}}'"]],
    ["'[['", ["'[['"]],
    ["'[[]]'", ["'[[]]'"]],
    ["'[[{{]]'", ["'[[{{]]'"]],
    ["'{{x}}'", ["'", tag("x"), "'"]],
    ["'{{snippet: 'test'}}'", ["'", tag("snippet: 'test'"), "'"]],
    ["'{{{{x}}'", ["'{{", tag("x"), "'"]],
    ["'[[{{x}}'", ["'[[", tag("x"), "'"]],
    ["'[[{{x}}]]'", ["'", optional(tag("x")), "'"]],
    ["concat('--',{{x}})", ["concat('--',", tag("x"), ")"]],
    ["concat('/*',{{x}})", ["concat('/*',", tag("x"), ")"]],
    // Block comments are split first: `*/*` is `*` then `/*`.
    ["a */* {{x}} */ b", ["a */* {{x}} */ b"]],
    ["", []],
  ];
  for (const [sql, expected] of cases) {
    it(`parses ${JSON.stringify(sql)}`, () => {
      assert.deepEqual(simplify(parseTemplate(sql)), expected);
    });
  }

  const errors: Array<[string, string]> = [
    [
      "select * from foo [[where bar = {{baz}} ",
      "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
    ],
    // `]]` closes the `{{` too (the optional depth is positive), then the `[[` is left open.
    [
      "select * from foo [[where bar = {{baz]]",
      "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
    ],
    ["select * from foo {{bar}} {{baz", "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'"],
    [
      "select * from foo [[clause 1 {{bar}}]] [[clause 2",
      "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
    ],
    [
      "select * from foo where bar = {{baz]]",
      "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
    ],
    [
      "select * from foo [[where bar = {{baz}}}}",
      "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'",
    ],
    ["select {{ }}", "'{{...}}' clauses cannot be empty."],
    ["select {{}}", "Invalid '{{...}}' clause: expected a param name"],
    ["select [[ and 1 = 1 ]]", "[[...]] clauses must contain at least one '{{...}}' clause."],
    ["select [[ [[ {{a}} ]] ]]", "[[...]] clauses must contain at least one '{{...}}' clause."],
    ["select {{ a [[ {{b}} ]] }}", "Invalid '{{...}}' clause: expected a param name"],
  ];
  for (const [sql, message] of errors) {
    it(`refuses ${JSON.stringify(sql)} with Metabase's message`, () => {
      assert.throws(
        () => parseTemplate(sql),
        (error: unknown) =>
          error instanceof TemplateError && error.code === "invalid-query" && error.message === message,
      );
    });
  }

  it("lists tag uses with their offsets and whether they are optional", () => {
    const sql = "SELECT {{a}} -- {{c}}\n[[AND {{b}} [[OR {{a}}]]]]";
    assert.deepEqual(listTagUses(parseTemplate(sql)), [
      { name: "a", offset: 7, optional: false },
      { name: "b", offset: 28, optional: true },
      { name: "a", offset: 39, optional: true },
    ]);
  });

  it("stays fast on many unclosed clauses inside a string", () => {
    const sql = `'${"{{ ".repeat(400)}`;
    const started = performance.now();
    assert.deepEqual(simplify(parseTemplate(sql)), [sql]);
    assert.ok(performance.now() - started < 1000);
  });
});
