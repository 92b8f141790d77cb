import type { Writable } from "node:stream";
import type { ExportColumn } from "./export-columns.js";
import { startsLikeFormula } from "./formula-escape.js";
import { numberFormat, StyleSheet } from "./xlsx-styles.js";
import { ZipWriter, type WallClock, type ZipEntry } from "./zip-writer.js";

/**
 * An XLSX workbook written as rows arrive (issue 17): a "Données" sheet with the labels as header and
 * one row per result row, then an "Informations" sheet (the question, the locks, the extraction date),
 * the whole deflated into a ZIP as it goes (zip-writer.ts), in constant memory.
 *
 * Rows come as Postgres' text output of each value (what COPY writes). Numbers become number cells,
 * dates and timestamps date cells (serial days) with the column kind's format, booleans boolean cells,
 * and everything else an inline string cell: never a formula. A text cell that starts like a formula
 * also gets Excel's quote prefix (formula-escape.ts), so that editing it keeps it text.
 *
 * Past Excel's 1,048,576 rows a sheet, the rows go on in "Données (2)", with the header again: the file
 * holds the same rows as the CSV (under the same row cap), and a streamed export cannot know its row
 * count before its first byte, so refusing there would mean cutting a download half-way.
 */

export const EXCEL_MAX_ROWS = 1_048_576;
/** Excel's limit on a cell's text; longer text is cut there (Excel would refuse the file). */
const MAX_CELL_CHARS = 32_767;
/** A sheet's XML stays well under ZIP's 4 GiB per entry (no ZIP64): a new sheet starts past this. */
const SHEET_BYTES = 3.5 * 2 ** 30;
const FLUSH_CHARS = 64 * 1024;

export type TextRow = ReadonlyArray<string | null>;

export type AboutValue = string | number | { date: string } | { dateTime: WallClock };
export interface AboutRow {
  label: string;
  value: AboutValue;
}

const MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships";
const XML_HEAD = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n`;

const XML_SPECIAL = /[&<>"\r_\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * Text as XML character data. `\r` is a character reference (a literal one would reach readers as
 * `\n`); control characters, which XML 1.0 cannot carry at all, use OOXML's `_xHHHH_` escape (which
 * Excel decodes), so a literal `_x0041_` in the data is protected as `_x005F_x0041_`; lone surrogates
 * become U+FFFD.
 */
export function xmlText(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text
    .replace(/_(?=x[0-9A-Fa-f]{4}_)/g, "_x005F_")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[&<>"\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g, (c) => {
      switch (c) {
        case "&":
          return "&amp;";
        case "<":
          return "&lt;";
        case ">":
          return "&gt;";
        case '"':
          return "&quot;";
        case "\r":
          return "&#13;";
        default:
          return `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`;
      }
    });
}

/** `A`…`Z`, `AA`… */
export function columnLetters(index: number): string {
  let n = index + 1;
  let letters = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    letters = String.fromCharCode(65 + r) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(?:[+-]\d{2}(?::\d{2}){0,2})?$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** More significant digits than a double keeps: such a number is written as text, not rounded. */
const LONG_INTEGER = /^-?\d{16,}$/;
const LAST_SERIAL = 2_958_465; // 9999-12-31

/**
 * Excel's serial day number (1 = 1900-01-01, with Excel's fictitious 1900-02-29), or undefined where
 * Excel has no date (before 1900, after 9999).
 */
export function excelSerial(year: number, month: number, day: number): number | undefined {
  const days = Date.UTC(year, month - 1, day) / 86_400_000 + 25_569;
  if (year < 1900 || days > LAST_SERIAL) return undefined;
  return days < 61 ? days - 1 : days;
}

function stringCell(ref: string, text: string, style: number): string {
  const cut =
    text.length > MAX_CELL_CHARS ? text.slice(0, MAX_CELL_CHARS).replace(/[\uD800-\uDBFF]$/, "") : text;
  const space = /^\s|\s$|[\n\t]/.test(cut) ? ' xml:space="preserve"' : "";
  return `<c r="${ref}" t="inlineStr"${style ? ` s="${style}"` : ""}><is><t${space}>${xmlText(cut)}</t></is></c>`;
}

function valueCell(ref: string, value: string, style: number): string {
  return `<c r="${ref}"${style ? ` s="${style}"` : ""}><v>${value}</v></c>`;
}

type CellWriter = (ref: string, text: string) => string;

/** The cell of one column, from the value's text output. */
function cellWriter(column: ExportColumn, styles: StyleSheet): CellWriter {
  const format = numberFormat(column);
  const style = styles.index(format ? { numFmt: format } : {});
  const text = styles.index({});
  const quoted = styles.index({ quotePrefix: true });
  const asText: CellWriter = (ref, value) => stringCell(ref, value, startsLikeFormula(value) ? quoted : text);
  switch (column.valueClass) {
    case "integer":
    case "decimal":
      return (ref, value) =>
        NUMBER.test(value) && !LONG_INTEGER.test(value) ? valueCell(ref, value, style) : asText(ref, value);
    case "date":
      return (ref, value) => {
        const m = ISO_DATE.exec(value);
        const serial = m ? excelSerial(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
        return serial === undefined ? asText(ref, value) : valueCell(ref, String(serial), style);
      };
    case "timestamp":
      return (ref, value) => {
        const m = ISO_TIMESTAMP.exec(value);
        const serial = m ? excelSerial(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
        if (!m || serial === undefined) return asText(ref, value);
        const seconds = Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
        return valueCell(ref, String(serial + seconds / 86_400), style);
      };
    case "boolean":
      return (ref, value) =>
        value === "t" || value === "f"
          ? `<c r="${ref}" t="b"><v>${value === "t" ? 1 : 0}</v></c>`
          : asText(ref, value);
    case "plainText":
    case "text":
      return asText;
  }
}

function columnWidth(column: ExportColumn): number {
  const minimum = column.valueClass === "timestamp" ? 20 : 12;
  return Math.min(60, Math.max(minimum, column.label.length + 2));
}

export class XlsxWriter {
  private readonly zip: ZipWriter;
  private readonly styles = new StyleSheet();
  private readonly cells: CellWriter[];
  private readonly letters: string[];
  private readonly header: number;
  private readonly maxDataRows: number;
  private readonly sheets: string[] = [];
  private sheet: ZipEntry | undefined;
  private sheetRows = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  rowCount = 0;

  constructor(
    out: Writable,
    private readonly columns: readonly ExportColumn[],
    options: { wallClock: WallClock; rowsPerSheet?: number; signal?: AbortSignal },
  ) {
    this.zip = new ZipWriter(out, { wallClock: options.wallClock, signal: options.signal });
    this.header = this.styles.index({ bold: true });
    this.cells = columns.map((c) => cellWriter(c, this.styles));
    this.letters = columns.map((_, i) => columnLetters(i));
    this.maxDataRows = (options.rowsPerSheet ?? EXCEL_MAX_ROWS) - 1;
  }

  /** Writes the first bytes: opens the first data sheet and its header row. */
  async start(): Promise<void> {
    await this.nextSheet();
  }

  async addRows(rows: readonly TextRow[]): Promise<void> {
    for (const row of rows) {
      if (this.sheetRows === this.maxDataRows || this.sheet!.size + this.pendingChars * 3 > SHEET_BYTES) {
        await this.nextSheet();
      }
      this.sheetRows++;
      this.rowCount++;
      const number = this.sheetRows + 1;
      let xml = `<row r="${number}">`;
      for (let i = 0; i < row.length; i++) {
        const value = row[i];
        if (value !== null && value !== undefined)
          xml += this.cells[i]!(`${this.letters[i]}${number}`, value);
      }
      xml += "</row>";
      this.pending.push(xml);
      this.pendingChars += xml.length;
      if (this.pendingChars > FLUSH_CHARS) await this.flush();
    }
  }

  /** Closes the data, writes the information sheet and the workbook's parts, then the ZIP directory. */
  async finish(about: readonly AboutRow[]): Promise<void> {
    await this.closeSheet();
    await this.writeAbout(about);
    const sheetCount = this.sheets.length + 1;
    const names = [...this.sheets, "Informations"];
    await this.zip.file("xl/styles.xml", this.styles.xml());
    await this.zip.file(
      "xl/workbook.xml",
      `${XML_HEAD}<workbook xmlns="${MAIN}" xmlns:r="${RELATIONSHIPS}"><bookViews><workbookView activeTab="0"/></bookViews><sheets>` +
        names.map((n, i) => `<sheet name="${xmlText(n)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("") +
        `</sheets></workbook>`,
    );
    await this.zip.file(
      "xl/_rels/workbook.xml.rels",
      `${XML_HEAD}<Relationships xmlns="${PACKAGE_RELATIONSHIPS}">` +
        names
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="${RELATIONSHIPS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join("") +
        `<Relationship Id="rId${sheetCount + 1}" Type="${RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>`,
    );
    await this.zip.file(
      "_rels/.rels",
      `${XML_HEAD}<Relationships xmlns="${PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" Type="${RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    );
    const sheetType = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    await this.zip.file(
      "[Content_Types].xml",
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
        `<Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
        `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
        names
          .map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${sheetType}"/>`)
          .join("") +
        `</Types>`,
    );
    await this.zip.close();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingChars = 0;
    await this.sheet!.write(text);
  }

  private async closeSheet(): Promise<void> {
    if (!this.sheet) return;
    await this.flush();
    await this.sheet.write("</sheetData></worksheet>");
    await this.sheet.end();
    this.sheet = undefined;
  }

  private async nextSheet(): Promise<void> {
    await this.closeSheet();
    const index = this.sheets.length + 1;
    this.sheets.push(index === 1 ? "Données" : `Données (${index})`);
    this.sheet = await this.zip.entry(`xl/worksheets/sheet${index}.xml`);
    this.sheetRows = 0;
    const cols = this.columns
      .map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${columnWidth(c)}" customWidth="1"/>`)
      .join("");
    const header = this.columns
      .map((c, i) =>
        stringCell(
          `${this.letters[i]}1`,
          c.label,
          this.styles.index({ bold: true, quotePrefix: startsLikeFormula(c.label) }),
        ),
      )
      .join("");
    await this.sheet.write(
      `${XML_HEAD}<worksheet xmlns="${MAIN}" xmlns:r="${RELATIONSHIPS}">` +
        `<sheetViews><sheetView${index === 1 ? ' tabSelected="1"' : ""} workbookViewId="0">` +
        `<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
        `<sheetFormatPr defaultRowHeight="15"/>` +
        (cols ? `<cols>${cols}</cols>` : "") +
        `<sheetData><row r="1">${header}</row>`,
    );
  }

  private async writeAbout(about: readonly AboutRow[]): Promise<void> {
    const index = this.sheets.length + 1;
    const entry = await this.zip.entry(`xl/worksheets/sheet${index}.xml`);
    const bold = this.header;
    const text = this.styles.index({});
    const quoted = this.styles.index({ quotePrefix: true });
    const rows = about.map((row, i) => {
      const r = i + 1;
      const { value } = row;
      let cell: string;
      if (typeof value === "string") {
        cell = stringCell(`B${r}`, value, startsLikeFormula(value) ? quoted : text);
      } else if (typeof value === "number") {
        cell = valueCell(`B${r}`, String(value), this.styles.index({ numFmt: "#,##0" }));
      } else if ("date" in value) {
        const m = ISO_DATE.exec(value.date);
        const serial = m ? excelSerial(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
        cell =
          serial === undefined
            ? stringCell(`B${r}`, value.date, text)
            : valueCell(`B${r}`, String(serial), this.styles.index({ numFmt: "dd/mm/yyyy" }));
      } else {
        const t = value.dateTime;
        const serial =
          excelSerial(t.year, t.month, t.day)! + (t.hour * 3600 + t.minute * 60 + t.second) / 86_400;
        cell = valueCell(`B${r}`, String(serial), this.styles.index({ numFmt: "dd/mm/yyyy hh:mm" }));
      }
      return `<row r="${r}">${stringCell(`A${r}`, row.label, bold)}${cell}</row>`;
    });
    await entry.write(
      `${XML_HEAD}<worksheet xmlns="${MAIN}" xmlns:r="${RELATIONSHIPS}">` +
        `<cols><col min="1" max="1" width="40" customWidth="1"/><col min="2" max="2" width="80" customWidth="1"/></cols>` +
        `<sheetData>${rows.join("")}</sheetData></worksheet>`,
    );
    await entry.end();
  }
}
