import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import pg from "pg";
import type { QuestionColumn } from "../../src/catalog/index.js";
import { exportColumns } from "../../src/questions/export-columns.js";
import { writeXlsx, type XlsxShape } from "../../src/questions/xlsx-export.js";
import { columnLetters, excelSerial, xmlText, type TextRow } from "../../src/questions/xlsx-writer.js";
import { readWorkbook, rowFormats, sheetValues, zipEntries } from "../support/xlsx.js";

/**
 * The XLSX writer on rows held in memory: what cells, formats and sheets a spreadsheet finds, read back
 * by exceljs, and the ZIP checked entry by entry. The streaming path feeds the same writer (stream and
 * API tests).
 */

const T = pg.types.builtins;
const FIELDS = [
  { name: "mois", dataTypeID: T.DATE },
  { name: "nom_structure", dataTypeID: T.TEXT },
  { name: "candidatures", dataTypeID: T.INT4 },
  { name: "taux", dataTypeID: T.NUMERIC },
  { name: "montant", dataTypeID: T.NUMERIC },
  { name: "debut", dataTypeID: T.DATE },
  { name: "vu_le", dataTypeID: T.TIMESTAMP },
  { name: "actif", dataTypeID: T.BOOL },
  { name: "siret", dataTypeID: T.INT8 },
  { name: "ecart", dataTypeID: T.FLOAT8 },
];
const DESCRIBED: QuestionColumn[] = [
  { name: "mois", label: "Mois", kind: "month" },
  { name: "nom_structure", label: "Nom de la structure", kind: "text" },
  { name: "candidatures", label: "Candidatures reçues", kind: "count" },
  { name: "taux", label: "Taux d'acceptation", kind: "percentage", percentScale: "ratio" },
  { name: "montant", label: "Aide au poste", kind: "euros", decimals: 2 },
  { name: "debut", label: "Début", kind: "date" },
  { name: "siret", label: "SIRET", kind: "identifier" },
];
const COLUMNS = exportColumns(FIELDS, DESCRIBED);
const WALL = { year: 2026, month: 5, day: 4, hour: 9, minute: 30, second: 0 };

const ROWS: TextRow[] = [
  [
    "2025-12-01",
    '=HYPERLINK("http://x")',
    "12",
    "0.25",
    "1234.50",
    "2026-01-15",
    "2026-01-15 08:30:00",
    "t",
    "12345678901234",
    "-2.5",
  ],
  ["2026-01-01", "-10 €", "-3", "1", "0", "1899-12-31", null, "f", "12345678901234567", "NaN"],
  [
    null,
    'Île "Saint-Denis" & <nord>\n\tsuite',
    "0",
    null,
    null,
    "infinity",
    "2025-12-31 23:59:59.5",
    null,
    null,
    "1e+300",
  ],
  ["2026-02-01", "@SUM(A1)", "7", "0.5", "3", "1900-03-01", null, "t", "1", "0"],
];

function shape(rowsPerSheet?: number): XlsxShape {
  return {
    described: DESCRIBED,
    about: (rows) => [
      { label: "Question", value: "=Candidatures" },
      { label: "Données arrêtées au", value: { date: "2026-03-31" } },
      { label: "Date d'extraction", value: { dateTime: WALL } },
      { label: "Lignes exportées", value: rows },
    ],
    wallClock: WALL,
    ...(rowsPerSheet ? { rowsPerSheet } : {}),
  };
}

async function workbookBytes(rows: readonly TextRow[], rowsPerSheet?: number): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await writeXlsx(out, COLUMNS, rows, shape(rowsPerSheet));
  return Buffer.concat(chunks);
}

describe("XLSX writer", () => {
  it("writes labels as header, numbers and dates as typed cells with the kind's format, text as text", async () => {
    const bytes = await workbookBytes(ROWS);
    const workbook = await readWorkbook(bytes);
    assert.deepEqual(
      workbook.worksheets.map((s) => s.name),
      ["Données", "Informations"],
    );
    const data = workbook.getWorksheet("Données")!;
    const values = sheetValues(data);
    assert.deepEqual(values[0], [
      "Mois",
      "Nom de la structure",
      "Candidatures reçues",
      "Taux d'acceptation",
      "Aide au poste",
      "Début",
      "vu_le",
      "actif",
      "SIRET",
      "ecart",
    ]);
    assert.deepEqual(values[1], [
      new Date(Date.UTC(2025, 11, 1)),
      '=HYPERLINK("http://x")',
      12,
      0.25,
      1234.5,
      new Date(Date.UTC(2026, 0, 15)),
      new Date(Date.UTC(2026, 0, 15, 8, 30)),
      true,
      12345678901234,
      -2.5,
    ]);
    assert.deepEqual(values[2], [
      new Date(Date.UTC(2026, 0, 1)),
      "-10 €",
      -3,
      1,
      0,
      "1899-12-31",
      null,
      false,
      "12345678901234567",
      "NaN",
    ]);
    assert.deepEqual(values[3]!.slice(0, 3), [null, 'Île "Saint-Denis" & <nord>\n\tsuite', 0]);
    assert.deepEqual(values[3]!.slice(5, 7), ["infinity", new Date(Date.UTC(2025, 11, 31, 23, 59, 59, 500))]);
    assert.equal(values[3]![9], 1e300);
    assert.deepEqual(rowFormats(data, 2), [
      "mmm yyyy",
      undefined,
      "#,##0",
      "0.0%",
      '#,##0.00" €"',
      "dd/mm/yyyy",
      "dd/mm/yyyy hh:mm:ss",
      undefined,
      "0",
      undefined,
    ]);
  });

  it("never writes a formula, and marks text that starts like one with Excel's quote prefix", async () => {
    const entries = zipEntries(await workbookBytes(ROWS));
    const sheet = entries.get("xl/worksheets/sheet1.xml")!;
    assert.doesNotMatch(sheet, /<f[ >]/);
    const styles = entries.get("xl/styles.xml")!;
    const xfs = [...styles.split("<cellXfs")[1]!.matchAll(/<xf [^>]*\/>/g)].map((m) => m[0]);
    const styleOf = (ref: string) =>
      Number(new RegExp(`<c r="${ref}"[^>]*? s="(\\d+)"`).exec(sheet)?.[1] ?? 0);
    // B2 `=HYPERLINK…`, B3 `-10 €`, B5 `@SUM…` start like formulas; B4 does not.
    for (const ref of ["B2", "B3", "B5"]) assert.match(xfs[styleOf(ref)]!, /quotePrefix="1"/, ref);
    assert.doesNotMatch(xfs[styleOf("B4")] ?? "", /quotePrefix/);
    // Negative numbers are numbers, untouched.
    assert.match(sheet, /<c r="C3"[^>]*><v>-3<\/v><\/c>/);
    // The information sheet's text follows the same rule.
    const about = entries.get("xl/worksheets/sheet2.xml")!;
    assert.match(xfs[Number(/<c r="B1"[^>]*? s="(\d+)"/.exec(about)![1])]!, /quotePrefix="1"/);
  });

  it("says on a second sheet what the rows are", async () => {
    const workbook = await readWorkbook(await workbookBytes(ROWS));
    const about = workbook.getWorksheet("Informations")!;
    assert.deepEqual(sheetValues(about), [
      ["Question", "=Candidatures"],
      ["Données arrêtées au", new Date(Date.UTC(2026, 2, 31))],
      ["Date d'extraction", new Date(Date.UTC(2026, 4, 4, 9, 30))],
      ["Lignes exportées", 4],
    ]);
    assert.deepEqual(rowFormats(about, 3), [undefined, "dd/mm/yyyy hh:mm"]);
  });

  it("goes on in a new sheet, header repeated, past the rows a sheet holds", async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ["2026-01-01", `n° ${i + 1}`, String(i + 1)]);
    const fields = FIELDS.slice(0, 3);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    const count = await writeXlsx(out, exportColumns(fields, DESCRIBED), rows, shape(3));
    assert.equal(count, 5);
    const workbook = await readWorkbook(Buffer.concat(chunks));
    assert.deepEqual(
      workbook.worksheets.map((s) => [s.name, sheetValues(s).map((r) => r[1])]),
      [
        ["Données", ["Nom de la structure", "n° 1", "n° 2"]],
        ["Données (2)", ["Nom de la structure", "n° 3", "n° 4"]],
        ["Données (3)", ["Nom de la structure", "n° 5"]],
        [
          "Informations",
          ["=Candidatures", new Date(Date.UTC(2026, 2, 31)), new Date(Date.UTC(2026, 4, 4, 9, 30)), 5],
        ],
      ],
    );
  });

  it("writes an empty result as a header and an information sheet", async () => {
    const workbook = await readWorkbook(await workbookBytes([]));
    assert.equal(sheetValues(workbook.getWorksheet("Données")!).length, 1);
    assert.deepEqual(sheetValues(workbook.getWorksheet("Informations")!).at(-1), ["Lignes exportées", 0]);
  });

  it("escapes what XML cannot carry, and Excel's own _xHHHH_ escapes in the data", () => {
    assert.equal(xmlText('a < b & c > "d"'), "a &lt; b &amp; c &gt; &quot;d&quot;");
    assert.equal(xmlText("bip\u0001\u0008 fin\r"), "bip_x0001__x0008_ fin&#13;");
    assert.equal(xmlText("_x0041_ reste _x0041_"), "_x005F_x0041_ reste _x005F_x0041_");
    assert.equal(xmlText("snake_case"), "snake_case");
    assert.equal(xmlText("\uD83D\uDE00 \uD83D seul"), "\uD83D\uDE00 \uFFFD seul");
  });

  it("numbers days and columns as Excel does", () => {
    assert.equal(excelSerial(1900, 1, 1), 1);
    assert.equal(excelSerial(1900, 2, 28), 59);
    assert.equal(excelSerial(1900, 3, 1), 61);
    assert.equal(excelSerial(2025, 12, 1), 45_992);
    assert.equal(excelSerial(1899, 12, 31), undefined);
    assert.equal(excelSerial(10_000, 1, 1), undefined);
    assert.deepEqual([0, 25, 26, 701, 702].map(columnLetters), ["A", "Z", "AA", "ZZ", "AAA"]);
  });
});
