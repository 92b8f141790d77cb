import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseTemplate,
  renderNativeQuery,
  resolvePilotageColumn,
  TemplateError,
  type TemplateNode,
  type TemplateParameter,
  type TemplateTag,
} from "../../src/template/index.js";

/** The SQL a parse came from: every token is kept, so printing the tree back must give the input. */
function print(nodes: TemplateNode[]): string {
  return nodes
    .map((n) =>
      n.type === "text" ? n.text : n.type === "tag" ? `{{${n.source}${n.close}` : `[[${print(n.children)}]]`,
    )
    .join("");
}

const TOKENS = [
  "{{",
  "}}",
  "[[",
  "]]",
  "'",
  "--",
  "/*",
  "*/",
  "\n",
  " ",
  "a",
  "b",
  "{",
  "}",
  "[",
  "]",
  "-",
  "*",
  "/",
  "$1",
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(""));

const NAMES = ["a", "b", "c", "d_1"] as const;
type Name = (typeof NAMES)[number];

/** Templates built from the grammar, with text that cannot form tokens (no braces, quotes, dashes or `$`). */
type Gen = { kind: "text"; text: string } | { kind: "tag"; name: Name } | { kind: "optional"; body: Gen[] };
const textPiece = fc
  .array(fc.constantFrom("SELECT ", "x", " = ", "(", ")", ", ", "AND ", "IN ", "1", "t.col", " "), {
    maxLength: 4,
  })
  .map((parts): Gen => ({ kind: "text", text: parts.join("") }));
const tagPiece = fc.constantFrom(...NAMES).map((name): Gen => ({ kind: "tag", name }));
const { template } = fc.letrec<{ template: Gen[]; optional: Gen }>((tie) => ({
  template: fc.array(
    fc.oneof({ weight: 3, arbitrary: textPiece }, { weight: 3, arbitrary: tagPiece }, tie("optional")),
    {
      maxLength: 8,
    },
  ),
  optional: fc
    .tuple(tie("template"), tagPiece)
    .map(([body, tag]): Gen => ({ kind: "optional", body: [...body, tag] })),
}));
function sqlOf(gen: Gen[]): string {
  return gen
    .map((g) => (g.kind === "text" ? g.text : g.kind === "tag" ? `{{${g.name}}}` : `[[${sqlOf(g.body)}]]`))
    .join("");
}

const tagSpec = fc.record({
  type: fc.constantFrom("text", "number", "dimension"),
  required: fc.boolean(),
});
/** A value for a tag, as a function of a "seed" so the same shape can be rebuilt with other contents. */
const valueShape = fc.option(
  fc.oneof(
    fc.constant({ kind: "scalar" as const }),
    fc.integer({ min: 1, max: 4 }).map((n) => ({ kind: "list" as const, n })),
  ),
  { nil: undefined },
);

interface Case {
  gen: Gen[];
  specs: Record<Name, { type: string; required: boolean }>;
  shapes: Record<Name, { kind: "scalar" } | { kind: "list"; n: number } | undefined>;
}
const caseArb: fc.Arbitrary<Case> = fc.record({
  gen: template,
  specs: fc.record({ a: tagSpec, b: tagSpec, c: tagSpec, d_1: tagSpec }),
  shapes: fc.record({ a: valueShape, b: valueShape, c: valueShape, d_1: valueShape }),
});

function tagsFor(c: Case): Record<string, TemplateTag> {
  return Object.fromEntries(
    NAMES.map((name) => {
      const spec = c.specs[name];
      const tag: TemplateTag = {
        name,
        "display-name": name,
        type: spec.type as TemplateTag["type"],
        required: spec.required,
        ...(spec.type === "dimension" ? { dimension: ["pilotage-column", `public.t.${name}`] } : {}),
      };
      return [name, tag];
    }),
  );
}

/** Parameters for a case; `make(name, i, numeric)` gives the i-th value of a tag. */
function paramsFor(
  c: Case,
  make: (name: Name, i: number, numeric: boolean) => string | number,
): TemplateParameter[] {
  return NAMES.flatMap((name): TemplateParameter[] => {
    const shape = c.shapes[name];
    if (!shape) return [];
    const numeric = c.specs[name].type === "number";
    const value =
      shape.kind === "scalar"
        ? make(name, 0, numeric)
        : Array.from({ length: shape.n }, (_, i) => make(name, i, numeric));
    const kind = c.specs[name].type === "dimension" ? "dimension" : "variable";
    return [{ type: numeric ? "number/=" : "category", target: [kind, ["template-tag", name]], value }];
  });
}

function attempt(run: () => { sql: string; values: unknown[] }) {
  try {
    return { ok: true as const, result: run() };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { ok: false as const, message: error.message };
  }
}

const options = { resolveField: resolvePilotageColumn(), now: new Date("2024-05-15T10:00:00Z") };

describe("template properties (fast-check)", () => {
  it("parsing throws nothing but TemplateError, and keeps every character", () => {
    fc.assert(
      fc.property(fc.oneof(tokenSoup, fc.string({ maxLength: 60 })), (sql) => {
        try {
          assert.equal(print(parseTemplate(sql)), sql);
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error;
          assert.equal(error.code, "invalid-query");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("rendering arbitrary SQL with arbitrary values throws nothing but TemplateError", () => {
    const anyParam = fc.record({
      type: fc.constantFrom("category", "string/=", "number/=", "date/all-options", "id", "text", "bogus"),
      target: fc.constantFrom(
        ...NAMES.flatMap((n) => [
          ["variable", ["template-tag", n]],
          ["dimension", ["template-tag", n]],
        ]),
      ),
      value: fc.jsonValue({ maxDepth: 2 }),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          tokenSoup,
          caseArb.map((c) => sqlOf(c.gen)),
        ),
        caseArb,
        fc.array(anyParam, { maxLength: 5 }),
        (sql, c, params) => {
          attempt(() => renderNativeQuery(sql, tagsFor(c), params as TemplateParameter[], options));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("never writes a value into the SQL, and placeholders always match the bound values", () => {
    fc.assert(
      fc.property(caseArb, fc.string(), fc.integer(), (c, anyText, anyNumber) => {
        const sql = sqlOf(c.gen);
        const tags = tagsFor(c);
        // Markers use a character the templates never contain, so any leak would show.
        const marked = attempt(() =>
          renderNativeQuery(
            sql,
            tags,
            paramsFor(c, (name, i, numeric) => (numeric ? 1000 + i : `§${name}${i}§`)),
            options,
          ),
        );
        // The same shapes with other contents (any text, any number) must give the very same SQL.
        const other = attempt(() =>
          renderNativeQuery(
            sql,
            tags,
            paramsFor(c, (_name, i, numeric) => (numeric ? anyNumber + i : `${anyText}${i}`)),
            options,
          ),
        );
        assert.equal(marked.ok, other.ok);
        if (!marked.ok || !other.ok) return;
        assert.ok(!marked.result.sql.includes("§"), marked.result.sql);
        assert.equal(other.result.sql, marked.result.sql);
        assert.equal(other.result.values.length, marked.result.values.length);
        const placeholders = [...marked.result.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
        assert.deepEqual(
          placeholders,
          marked.result.values.map((_, i) => i + 1),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
