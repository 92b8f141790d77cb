import assert from "node:assert/strict";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { QuestionListSchema } from "../../src/questions/api-schemas.js";
import { testContent } from "../support/app.js";
import { startLoginStack } from "../support/auth-stack.js";
import { documentedProfile } from "../support/demo-profiles.js";
import { loginAs, type Browser } from "../support/login.js";
import { headerProblems } from "../support/reader-facing.js";
import { readWorkbook, rowFormats, sheetValues } from "../support/xlsx.js";

/**
 * Issue 17's acceptance, exports' side: for every question of the starter catalogue (each through a demo
 * account that may open it), the French CSV and the XLSX read as the question describes its columns —
 * headers are the labels (never a SQL alias, never a label without its accents) — and a month is never
 * an ISO date: a `JJ/MM/AAAA` date in the French CSV, a date cell shown `mmm yyyy` in the XLSX.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const FRENCH_DATE = /^\d{2}\/\d{2}\/\d{4}$/;

/** `;`-separated records, quote-aware. */
function frenchCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ";") (record.push(field), (field = ""));
    else if (c === "\n") (record.push(field), records.push(record), (record = []), (field = ""));
    else field += c;
  }
  return records;
}

describe("exports as readers see them, for every question of the starter catalogue (issue 17)", function () {
  this.timeout(300_000);

  it("heads the French CSV and the XLSX with the labels, and writes months as dates, never ISO", async () => {
    const stack = await startLoginStack({ env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" } });
    try {
      const { catalog } = await testContent();
      const through = new Map<string, Browser>();
      for (const account of DEMO_ACCOUNTS.filter((a) => documentedProfile(a.email) !== null)) {
        const browser = await loginAs(stack.baseUrl, account.email);
        const list = QuestionListSchema.parse(
          await (await browser.get(`${stack.baseUrl}/api/questions`)).json(),
        );
        for (const { key } of list.questions) if (!through.has(key)) through.set(key, browser);
      }
      const shown = new Set(catalog.dashboards.flatMap((d) => d.cards.map((c) => c.question)));
      assert.deepEqual(
        [...through.keys()].sort(),
        [...shown].sort(),
        "every question on a dashboard is reached",
      );

      const failures: string[] = [];
      let monthCells = 0;
      for (const [key, browser] of through) {
        const question = catalog.questions.find((q) => q.key === key)!;
        assert.ok(question.columns.length > 0, `${key} describes its columns`);
        const months = question.columns.flatMap((c, i) => (c.kind === "month" ? [i] : []));
        const base = `${stack.baseUrl}/api/questions/${key}/data`;

        const csv = await browser.get(`${base}?format=csv&dialect=excel-fr`);
        const text = Buffer.from(await csv.arrayBuffer()).toString("utf8");
        if (csv.status !== 200 || !text.startsWith("\uFEFF")) {
          failures.push(`${key} French CSV: ${csv.status} ${text.slice(0, 200)}`);
          continue;
        }
        const [header, ...rows] = frenchCsv(text.slice(1));
        for (const problem of headerProblems(header ?? [], question.columns)) {
          failures.push(`${key} French CSV: ${problem}`);
        }
        for (const row of rows) {
          for (const i of months) {
            const value = row[i] ?? "";
            if (value !== "" && (ISO_DATE.test(value) || !FRENCH_DATE.test(value))) {
              failures.push(`${key} French CSV: month « ${value} » in ${question.columns[i]!.name}`);
            }
          }
        }

        const xlsx = await browser.get(`${base}?format=xlsx`);
        const bytes = Buffer.from(await xlsx.arrayBuffer());
        if (xlsx.status !== 200) {
          failures.push(`${key} XLSX: ${xlsx.status} ${bytes.toString("utf8").slice(0, 200)}`);
          continue;
        }
        const sheet = (await readWorkbook(bytes)).getWorksheet("Données")!;
        const [sheetHeader, ...sheetRows] = sheetValues(sheet);
        for (const problem of headerProblems(sheetHeader ?? [], question.columns)) {
          failures.push(`${key} XLSX: ${problem}`);
        }
        sheetRows.forEach((row, r) => {
          const formats = rowFormats(sheet, r + 2);
          for (const i of months) {
            if (row[i] === null) continue;
            monthCells++;
            if (!(row[i] instanceof Date) || formats[i] !== "mmm yyyy") {
              failures.push(
                `${key} XLSX: month ${JSON.stringify(row[i])} (${formats[i]}) in ${question.columns[i]!.name}`,
              );
            }
          }
        });
      }
      assert.deepEqual(failures, []);
      assert.ok(monthCells > 0, "month columns with rows were checked");
    } finally {
      await stack.close();
    }
  });
});
