import assert from "node:assert/strict";
import fc from "fast-check";
import type { Question } from "../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { BadRequestError } from "../../src/errors.js";
import { ApiErrorSchema } from "../../src/questions/api-schemas.js";
import { parseEditableParameters, type QuestionGrant } from "../../src/questions/question-access.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { loginAs, type Browser } from "../support/login.js";

/**
 * Export parameters a person (or a script) may type anything into: whatever they send, the answer is
 * the file (200) or a 400 in French naming what is wrong — never a 500 (issue 15 §3). Fuzzed with
 * fast-check around the values that used to reach Postgres and fail there: numbers beyond what a column
 * holds (`1e308`, 20 digits), relative periods millions of years long, NUL bytes, impossible days.
 */

const DDETS = "agent.ddets93@demo.pilotage.test";
const ETP = "iae/etp-realises-par-structure"; // annee: number (make_date(annee, 1, 1))
const CANDIDATURES = "iae/candidatures-par-mois-et-origine"; // periode: date field filter; type_structure: text

const HOSTILE_NUMBERS = [
  "1e308",
  "-1e308",
  "1e309",
  "12345678901234567890",
  "-12345678901234567890",
  "99999999999",
  "2147483648",
  "0",
  "-0",
  "2026.5",
  "0x7E9",
  "0b1",
  " 2026",
  "2026 ",
  "+2026",
  "Infinity",
  "NaN",
  "1_000",
  "\u0000",
  "2026\u0000",
  "",
];
/** Numbers only the question's SQL can refuse (`make_date(annee, 1, 1)` wants an int, and no year 0). */
const ONLY_THE_SQL_KNOWS = ["0", "-0", "2026.5", "2147483648", "99999999999"];
const HOSTILE_PERIODS = [
  "past99999999999999999999years",
  "past1000000years",
  "next999999999months",
  "past9999999999days",
  "past5days-from-99999999999years",
  "past3months-from-1000000years",
  "2026-02-31",
  "0000-01-01",
  "99999-01-01",
  "9999-12-31~10000-01-01",
  "Q5-2026",
  "2026-13",
  "\u0000",
  "past12months\u0000",
];
const HOSTILE_TEXTS = ["\u0000", "ACI\u0000", "\u0000\u0000\u0000", "\uD800", "ACI\r\n", "x".repeat(5000)];

/** A query string as a browser or a script would send it (URLSearchParams: `\u0000` goes as %00). */
function queryOf(entries: Array<[string, string]>): string {
  return new URLSearchParams([["format", "json"], ...entries]).toString();
}

describe("export parameters that overflow (issue 15 §3)", function () {
  this.timeout(120_000);
  let stack: LoginStack;
  let browser: Browser;

  before(async () => {
    stack = await startLoginStack({
      env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" },
      provider: { accounts: [...DEMO_ACCOUNTS] },
    });
    browser = await loginAs(stack.baseUrl, DDETS);
  });
  after(() => stack.close());

  async function exportOf(key: string, entries: Array<[string, string]>) {
    const response = await browser.get(`${stack.baseUrl}/api/questions/${key}/data?${queryOf(entries)}`);
    return { status: response.status, text: await response.text() };
  }

  /** 200, or a 400 whose French message names the parameter; never anything else. */
  function assertFileOrRefusal(
    answer: { status: number; text: string },
    parameter: string,
    label: string,
  ): void {
    if (answer.status === 200) return;
    assert.equal(answer.status, 400, `${label} → ${answer.status} ${answer.text.slice(0, 300)}`);
    const { requestId: _id, ...body } = ApiErrorSchema.parse(JSON.parse(answer.text));
    assert.equal(body.error, "bad_request", label);
    assert.ok(body.message.includes(`« ${parameter} »`), `${label}: ${body.message}`);
    assert.equal(body.parameter, parameter, label);
  }

  it("refuses each known overflow with a 400 in French, before any query", async () => {
    const cases: Array<[string, string, string, string]> = [
      ...HOSTILE_NUMBERS.filter((v) => !ONLY_THE_SQL_KNOWS.includes(v)).map(
        (v): [string, string, string, string] => [ETP, "annee", v, "annee"],
      ),
      ...HOSTILE_PERIODS.map((v): [string, string, string, string] => [
        CANDIDATURES,
        "periode",
        v,
        "periode",
      ]),
      ...HOSTILE_TEXTS.filter((v) => v !== "\uD800").map((v): [string, string, string, string] => [
        CANDIDATURES,
        "type_structure",
        v,
        "type_structure",
      ]),
    ];
    const exportsBefore = await exportRows();
    for (const [key, name, value, parameter] of cases) {
      const label = `${name}=${JSON.stringify(value).slice(0, 60)}`;
      const answer = await exportOf(key, [[name, value]]);
      assert.equal(answer.status, 400, `${label} → ${answer.status} ${answer.text.slice(0, 300)}`);
      assertFileOrRefusal(answer, parameter, label);
    }
    assert.equal(await exportRows(), exportsBefore, "a refused request is no export");
  });

  it("answers a value only the question's SQL refuses (make_date(0, 1, 1), beyond an int) with a 400, not a 500", async () => {
    for (const value of [...ONLY_THE_SQL_KNOWS, "999999999999999"]) {
      const answer = await exportOf(ETP, [["annee", value]]);
      assert.equal(answer.status, 400, `annee=${value}: ${answer.text}`);
      const { requestId: _id, ...body } = ApiErrorSchema.parse(JSON.parse(answer.text));
      assert.deepEqual(body, {
        error: "bad_request",
        message: "La valeur du paramètre « annee » est hors des limites que cette question accepte.",
        parameter: "annee",
      });
    }
    // The same export with a year the SQL takes is a file: the refusal is about the value.
    assert.equal((await exportOf(ETP, [["annee", "2025"]])).status, 200);
  });

  it("never answers a 500, whatever the values (fast-check)", async () => {
    const number = fc.oneof(
      fc.constantFrom(...HOSTILE_NUMBERS),
      fc.double().map(String),
      fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
      fc.integer({ min: 1900, max: 2100 }).map(String),
      fc.string({ unit: "binary", maxLength: 30 }),
    );
    const period = fc.oneof(
      fc.constantFrom(...HOSTILE_PERIODS),
      fc
        .tuple(
          fc.constantFrom("past", "next"),
          fc.bigInt({ min: 0n, max: 10n ** 22n }),
          fc.constantFrom("days", "months", "quarters", "years", "weeks"),
          fc.constantFrom("", "~", "-from-3years", "-from-99999999999days"),
        )
        .map(([d, n, u, s]) => `${d}${n}${u}${s}`),
      fc
        .tuple(
          fc.integer({ min: 0, max: 99999 }),
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 0, max: 99 }),
        )
        .map(
          ([y, m, d]) =>
            `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
        ),
      fc.string({ unit: "binary", maxLength: 30 }),
    );
    const text = fc.oneof(fc.constantFrom(...HOSTILE_TEXTS), fc.string({ unit: "binary", maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(number, async (value) => {
        assertFileOrRefusal(
          await exportOf(ETP, [["annee", value]]),
          "annee",
          `annee=${JSON.stringify(value)}`,
        );
      }),
      { numRuns: 80 },
    );
    await fc.assert(
      fc.asyncProperty(period, text, async (p, t) => {
        const periode = await exportOf(CANDIDATURES, [["periode", p]]);
        assertFileOrRefusal(periode, "periode", `periode=${JSON.stringify(p)}`);
        const type = await exportOf(CANDIDATURES, [["type_structure", t]]);
        assertFileOrRefusal(type, "type_structure", `type_structure=${JSON.stringify(t)}`);
      }),
      { numRuns: 80 },
    );
  });

  async function exportRows(): Promise<number> {
    const { rows } = await stack.testStack.deps.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'export.data'",
    );
    return Number(rows[0]!.n);
  }
});

describe("editable parameters, parsed strictly (fast-check)", () => {
  const variable = (tag: string, type: "number" | "date" | "text"): Question["parameters"][number] => ({
    tag,
    type,
    label: tag,
    required: false,
    multiple: false,
  });
  const grant = {
    question: {
      key: "q",
      parameters: [variable("n", "number"), variable("jour", "date"), variable("t", "text")],
    },
    locks: {},
    dashboards: [],
  } as unknown as QuestionGrant;

  it("gives back a finite number of at most 15 digits, a real calendar day, a text without control characters — or a BadRequestError", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 25 }),
          fc.double().map(String),
          fc.constantFrom(...HOSTILE_NUMBERS),
        ),
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 12 }),
          fc.constantFrom("2026-02-31", "2024-02-29", "0000-01-01", "2026-1-1"),
        ),
        fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.constantFrom(...HOSTILE_TEXTS)),
        (n, jour, t) => {
          for (const [name, raw] of [
            ["n", n],
            ["jour", jour],
            ["t", t],
          ] as const) {
            let parsed: Record<string, unknown>;
            try {
              parsed = parseEditableParameters(grant, { [name]: raw });
            } catch (error) {
              assert.ok(error instanceof BadRequestError, String(error));
              assert.equal(error.status, 400);
              continue;
            }
            const value = parsed[name];
            if (name === "n") {
              assert.ok(typeof value === "number" && Number.isFinite(value), `${raw} → ${String(value)}`);
              assert.ok(/^-?\d{1,15}(\.\d{1,15})?$/.test(raw) && raw.replace(/\D/g, "").length <= 15, raw);
            } else if (name === "jour") {
              const day = new Date(`${String(value)}T00:00:00Z`);
              assert.equal(day.toISOString().slice(0, 10), value, `${raw} is a real day`);
            } else {
              assert.doesNotMatch(String(value), /[\u0000-\u001F\u007F]/, JSON.stringify(raw));
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
