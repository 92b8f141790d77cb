import type { ExportColumn } from "./export-columns.js";

/**
 * The number formats of an XLSX export, one per column kind, and the workbook's style sheet. Format
 * codes are written with Excel's invariant `.` and `,`: a French Excel shows `1 234,5`, `12,5 %`,
 * `déc. 2025` from them.
 */

function fraction(decimals: number): string {
  return decimals > 0 ? `.${"0".repeat(decimals)}` : "";
}

/** A literal suffix inside a format code (quotes and backslashes would end or escape it). */
function literal(text: string): string {
  return `"${text.replace(/["\\]/g, "")}"`;
}

/**
 * The Excel format code of a column's cells, or undefined for General (and for text cells). Numbers
 * whose column kind is unknown stay General: an identifier must not get a thousands separator.
 */
export function numberFormat(column: ExportColumn): string | undefined {
  const { kind, valueClass } = column;
  if (valueClass === "date" || valueClass === "timestamp") {
    if (kind === "month") return "mmm yyyy";
    if (kind === "date" || valueClass === "date") return "dd/mm/yyyy";
    return "dd/mm/yyyy hh:mm:ss";
  }
  if (valueClass !== "integer" && valueClass !== "decimal") return undefined;
  // The unit is in the header (« Délai médian de réponse (jours) »), as on the gateway's tables.
  const digits = fraction(column.decimals ?? 0);
  switch (kind) {
    case "count":
    case "etp":
    case "days":
      return `#,##0${digits}`;
    case "euros":
      return `#,##0${digits}${literal(" €")}`;
    case "percentage": {
      // Stored as 0–1: Excel's percent multiplies by 100. Stored as 0–100: a literal sign.
      return column.percentScale === "percent" ? `0${digits}${literal(" %")}` : `0${digits}%`;
    }
    case "identifier":
      return `0${digits}`;
    default:
      return undefined;
  }
}

export interface CellStyle {
  numFmt?: string;
  bold?: boolean;
  /** Excel's own form of a leading `'`: the cell is text, and stays text when someone edits it. */
  quotePrefix?: boolean;
}

const CUSTOM_FORMATS_FROM = 164;

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Cell styles as the workbook's `cellXfs` indexes, registered as cells need them. */
export class StyleSheet {
  private readonly formats: string[] = [];
  private readonly styles: CellStyle[] = [{}];
  private readonly keys = new Map<string, number>([["", 0]]);

  index(style: CellStyle): number {
    const key = `${style.numFmt ?? ""}|${style.bold ? 1 : 0}|${style.quotePrefix ? 1 : 0}`;
    if (key === "|0|0") return 0;
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    if (style.numFmt && !this.formats.includes(style.numFmt)) this.formats.push(style.numFmt);
    this.styles.push(style);
    this.keys.set(key, this.styles.length - 1);
    return this.styles.length - 1;
  }

  xml(): string {
    const formatId = (code: string | undefined) =>
      code === undefined ? 0 : CUSTOM_FORMATS_FROM + this.formats.indexOf(code);
    const formats = this.formats
      .map(
        (code, i) => `<numFmt numFmtId="${CUSTOM_FORMATS_FROM + i}" formatCode="${escapeAttribute(code)}"/>`,
      )
      .join("");
    const xfs = this.styles
      .map((s) => {
        const id = formatId(s.numFmt);
        const attributes = [
          `numFmtId="${id}"`,
          `fontId="${s.bold ? 1 : 0}"`,
          `fillId="0"`,
          `borderId="0"`,
          `xfId="0"`,
          ...(id ? [`applyNumberFormat="1"`] : []),
          ...(s.bold ? [`applyFont="1"`] : []),
          ...(s.quotePrefix ? [`quotePrefix="1"`] : []),
        ];
        return `<xf ${attributes.join(" ")}/>`;
      })
      .join("");
    const font = (bold: boolean) =>
      `<font>${bold ? "<b/>" : ""}<sz val="11"/><name val="Calibri"/><family val="2"/></font>`;
    return (
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
      `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      (this.formats.length ? `<numFmts count="${this.formats.length}">${formats}</numFmts>` : "") +
      `<fonts count="2">${font(false)}${font(true)}</fonts>` +
      `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
      `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
      `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
      `<cellXfs count="${this.styles.length}">${xfs}</cellXfs>` +
      `<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
      `</styleSheet>`
    );
  }
}
