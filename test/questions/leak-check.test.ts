import assert from "node:assert/strict";
import path from "node:path";
import pg from "pg";
import {
  loadCatalog,
  questionRenderParameters,
  renderQuestion,
  type Catalog,
  type Question,
} from "../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { lockValue, type Perimeter } from "../../src/perimeter/lock-values.js";
import type { ProfileKind } from "../../src/perimeter/placement.js";
import { ExportJsonSchema, QuestionListSchema } from "../../src/questions/api-schemas.js";
import { isTextClass, valueClass } from "../../src/questions/export-columns.js";
import { questionGrant } from "../../src/questions/question-access.js";
import { filteredCopyStatements, type PerimeterFilter } from "../../src/warehouse/filtered-copy.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { documentedProfile, profileOfMe, type MeAnswer } from "../support/demo-profiles.js";
import { withDocumentedTerritories } from "../support/documented-territories.js";
import { loginAs, type Browser } from "../support/login.js";
import { testServices } from "../support/services.js";

/**
 * Acceptance of issue 10: the leak check of `pilotage test`, applied through the API. For every demo
 * account and every question `/api/questions` shows it, the rows `/api/questions/{key}/data` returns
 * (CSV and JSON) must equal the rows the same query gives on a copy of the warehouse that holds only
 * the account's perimeter (src/warehouse/filtered-copy.ts). A difference means rows from outside the
 * perimeter shaped the export. The leaky fixture catalogue proves the check can fail.
 */

const LEAKY = path.resolve(import.meta.dirname, "../fixtures/leaky-catalog");

type Cell = string | null;

/** Postgres' text output of every value: what `COPY … CSV` writes. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };
/** The values the JSON export gives (node-postgres' parsers, dates kept as written). */
const AS_EXPORTED = {
  getTypeParser: (oid: number) =>
    oid === pg.types.builtins.DATE ? (value: string) => value : pg.types.getTypeParser(oid, "text"),
};

/** RFC 4180 as COPY writes it, keeping NULL (an empty unquoted field) apart from "" (an empty quoted one). */
function parseCsv(text: string): Cell[][] {
  const records: Cell[][] = [];
  let record: Cell[] = [];
  let i = 0;
  while (i < text.length) {
    let value: Cell;
    if (text[i] === '"') {
      let end = i + 1;
      let out = "";
      for (;;) {
        const quote = text.indexOf('"', end);
        assert.ok(quote >= 0, "unterminated quoted field");
        out += text.slice(end, quote);
        if (text[quote + 1] === '"') {
          out += '"';
          end = quote + 2;
        } else {
          end = quote + 1;
          break;
        }
      }
      value = out;
      i = end;
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && text[end] !== "\n") end++;
      value = end === i ? null : text.slice(i, end);
      i = end;
    }
    record.push(value);
    if (text[i] === ",") i++;
    else {
      assert.ok(i >= text.length || text[i] === "\n", `unexpected character at ${i}`);
      i++;
      records.push(record);
      record = [];
    }
  }
  return records;
}

/**
 * A CSV row as the data holds it: the export puts a `'` before text that starts like a formula (issue 15
 * §3, formula-escape.ts), which the copy's rows do not have. Undone on text columns only, so the check
 * still compares every value, numbers included, as they are.
 */
function unescaped(row: Cell[], types: readonly number[]): Cell[] {
  return row.map((cell, i) =>
    cell !== null && isTextClass(valueClass(types[i]!)) && /^'[\t\r+\-=@]/.test(cell) ? cell.slice(1) : cell,
  );
}

function multiset(rows: unknown[][]): string[] {
  return rows.map((row) => JSON.stringify(row)).sort();
}

/** The perimeter filters of the copy: every attribute locked on the question by a dashboard it is seen through. */
function filtersOf(catalog: Catalog, question: Question, perimeter: Perimeter, dashboards: string[]) {
  const filters = new Map<string, PerimeterFilter>();
  for (const dashboard of catalog.dashboards.filter((d) => dashboards.includes(d.key))) {
    for (const card of dashboard.cards.filter((c) => c.question === question.key)) {
      for (const slug of Object.keys(card.mappings)) {
        const attribute = dashboard.parameters.find((p) => p.slug === slug)?.locked;
        if (!attribute) continue;
        const value = lockValue(perimeter, attribute);
        filters.set(attribute, { attribute, values: Array.isArray(value) ? value : [value as string] });
      }
    }
  }
  return [...filters.values()];
}

/** The query's rows on the filtered copy (inside a transaction always rolled back), as text and as exported. */
async function onFilteredCopy(
  filters: readonly PerimeterFilter[],
  query: { sql: string; values: unknown[] },
): Promise<{ columns: string[]; types: number[]; text: Cell[][]; values: unknown[][] }> {
  const client = new pg.Client({ connectionString: testServices.warehouseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL statement_timeout = 20000");
    for (const statement of filteredCopyStatements(filters)) await client.query(statement);
    const text = await client.query({
      text: query.sql,
      values: query.values,
      rowMode: "array",
      types: RAW_TEXT,
    });
    const values = await client.query({
      text: query.sql,
      values: query.values,
      rowMode: "array",
      types: AS_EXPORTED,
    });
    return {
      columns: text.fields.map((f) => f.name),
      types: text.fields.map((f) => f.dataTypeID),
      text: text.rows as Cell[][],
      values: JSON.parse(JSON.stringify(values.rows)) as unknown[][],
    };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    await client.end();
  }
}

interface CheckResult {
  question: string;
  filtered: boolean;
  rows: number;
  problems: string[];
}

/** The leak check of one question for one logged-in person, through the API. */
async function checkThroughApi(
  stack: LoginStack,
  browser: Browser,
  catalog: Catalog,
  profile: { kind: ProfileKind; perimeter: Perimeter },
  key: string,
): Promise<CheckResult> {
  const question = catalog.questions.find((q) => q.key === key)!;
  const grant = questionGrant(catalog, profile, question);
  assert.ok(grant, `${key} is listed, so the profile sees it`);
  const filters = filtersOf(catalog, question, profile.perimeter, grant.dashboards);
  const rendered = renderQuestion(question, questionRenderParameters(question, grant.locks));
  const expected = await onFilteredCopy(filters, { sql: rendered.sql, values: [...rendered.values] });

  const base = `${stack.baseUrl}/api/questions/${key}/data`;
  const csvResponse = await browser.get(`${base}?format=csv`);
  const csvText = Buffer.from(await csvResponse.arrayBuffer()).toString("utf8");
  const jsonResponse = await browser.get(`${base}?format=json`);
  const json = ExportJsonSchema.parse(await jsonResponse.json());

  const problems: string[] = [];
  if (csvResponse.status !== 200 || jsonResponse.status !== 200) {
    problems.push(`status csv ${csvResponse.status}, json ${jsonResponse.status}`);
    return { question: key, filtered: filters.length > 0, rows: 0, problems };
  }
  assert.ok(csvText.startsWith("\uFEFF"), "CSV starts with a BOM");
  const [header, ...escapedRows] = parseCsv(csvText.slice(1));
  const csvRows = escapedRows.map((row) => unescaped(row, expected.types));
  if (JSON.stringify(header) !== JSON.stringify(expected.columns)) problems.push("CSV header differs");
  if (JSON.stringify(json.columns) !== JSON.stringify(expected.columns)) problems.push("JSON columns differ");
  if (JSON.stringify(multiset(csvRows)) !== JSON.stringify(multiset(expected.text))) {
    problems.push(`CSV rows differ (${csvRows.length} exported, ${expected.text.length} on the copy)`);
  }
  if (!json.complete || JSON.stringify(multiset(json.rows)) !== JSON.stringify(multiset(expected.values))) {
    problems.push(`JSON rows differ (${json.rows.length} exported, ${expected.values.length} on the copy)`);
  }
  return { question: key, filtered: filters.length > 0, rows: expected.text.length, problems };
}

async function placed(stack: LoginStack, email: string) {
  const browser = await loginAs(stack.baseUrl, email);
  const me = (await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as MeAnswer;
  // Bassins and EPCI come from the départements (issue 19): the oracle's own reading of the warehouse.
  return {
    browser,
    profile: await withDocumentedTerritories(profileOfMe(me), stack.testStack.deps.warehouse),
  };
}

describe("leak check through the questions API (issue 10)", function () {
  this.timeout(180_000);

  it("gives every demo account × every question it may see the rows of its perimeter only", async () => {
    const stack = await startLoginStack({ env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" } });
    try {
      const { catalog } = await testContent();
      const failures: string[] = [];
      let checks = 0;
      let filteredWithRows = 0;
      const accounts = new Set<string>();
      for (const account of DEMO_ACCOUNTS) {
        const { browser, profile } = await placed(stack, account.email);
        assert.equal(profile === null, documentedProfile(account.email) === null, `${account.email} placed`);
        const list = await browser.get(`${stack.baseUrl}/api/questions`);
        if (!profile) {
          assert.equal(list.status, 403, `${account.email} is not placed: no questions`);
          continue;
        }
        const { questions } = QuestionListSchema.parse(await list.json());
        assert.ok(questions.length > 0, account.email);
        for (const { key } of questions) {
          const result = await checkThroughApi(stack, browser, catalog, profile, key);
          checks++;
          if (result.filtered && result.rows > 0) filteredWithRows++;
          if (result.filtered) accounts.add(account.email);
          for (const problem of result.problems) failures.push(`${account.email} × ${key}: ${problem}`);
        }
      }
      assert.deepEqual(failures, []);
      // Every placed account went through at least one locked question, and most checks had rows.
      for (const account of DEMO_ACCOUNTS.filter((a) => documentedProfile(a.email) !== null)) {
        assert.ok(accounts.has(account.email), `${account.email} had no locked question checked`);
      }
      assert.ok(checks >= 60, `${checks} checks`);
      assert.ok(filteredWithRows >= checks / 2, `${filteredWithRows} of ${checks} locked checks had rows`);
    } finally {
      await stack.close();
    }
  });

  it("answers every « Télécharger » link (CSV and Excel) of every dashboard page each demo account may open", async () => {
    const stack = await startLoginStack({ env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" } });
    try {
      const { catalog } = await testContent();
      let links = 0;
      let xlsx = 0;
      for (const account of DEMO_ACCOUNTS) {
        const { browser, profile } = await placed(stack, account.email);
        if (!profile) continue;
        const list = (await (await browser.get(`${stack.baseUrl}/api/dashboards`)).json()) as {
          dashboards: Array<{ page: string }>;
        };
        for (const { page } of list.dashboards) {
          const html = await (await browser.get(`${stack.baseUrl}${page}`)).text();
          const hrefs = [...html.matchAll(/href="(\/api\/questions\/[^"]+)"/g)].map((m) =>
            m[1]!.replaceAll("&amp;", "&"),
          );
          for (const href of hrefs) {
            const response = await browser.get(`${stack.baseUrl}${href}`);
            const bytes = Buffer.from(await response.arrayBuffer());
            assert.equal(response.status, 200, `${account.email} ${href}: ${bytes.toString("utf8", 0, 300)}`);
            if (href.includes("format=xlsx")) {
              assert.equal(bytes.toString("latin1", 0, 2), "PK", `${href}: a workbook is a zip archive`);
              xlsx++;
            } else {
              assert.ok(bytes.toString("utf8").startsWith("\uFEFF"), href);
            }
            links++;
          }
        }
      }
      assert.ok(links >= catalog.dashboards.length, `${links} links`);
      assert.equal(xlsx * 2, links, "every card offers both downloads");
    } finally {
      await stack.close();
    }
  });

  it("catches a question that leaks through a sub-query (the leaky fixture)", async () => {
    const catalog = await loadCatalog(LEAKY);
    const stack = await startLoginStack({ catalog, env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" } });
    try {
      const { browser, profile } = await placed(stack, "agent.ddets93@demo.pilotage.test");
      const leaky = await checkThroughApi(stack, browser, catalog, profile!, "iae/taux-acceptation-compare");
      assert.deepEqual(leaky.problems.length, 2, leaky.problems.join("; "));
      assert.match(leaky.problems.join("; "), /CSV rows differ .* JSON rows differ/);
      const sound = await checkThroughApi(stack, browser, catalog, profile!, "iae/taux-acceptation");
      assert.deepEqual(sound.problems, []);
      assert.ok(sound.rows > 0);
    } finally {
      await stack.close();
    }
  });
});
