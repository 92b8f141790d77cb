import { columnHeader } from "../../src/catalog/columns.js";
import type { QuestionColumn } from "../../src/catalog/index.js";

/**
 * Issue 17's acceptance, as checks every rendering runs (pages: readerFacingProblems; the exports' French
 * CSV and XLSX headers: headerProblems): what a reader sees never shows an SQL alias. No header, legend or axis text
 * contains `_`, none equals a column's label with its accents stripped (« Etp conventionnes » where the
 * label is « ETP conventionnés »: the alias made readable, not the label), and no month shows as an ISO
 * date.
 */

export interface ReaderFacingText {
  /** Where the texts come from, for messages (« page pass-iae, carte 2 »). */
  where: string;
  /** Table headers, legends, axis titles and labels: everything that names something. */
  names: string[];
  /** The cells of the month columns, as shown. */
  monthCells: string[];
}

export function withoutAccents(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "");
}

const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;

/** The problems of one rendering; empty when a reader sees only labels. */
export function readerFacingProblems(
  text: ReaderFacingText,
  columns: ReadonlyArray<Pick<QuestionColumn, "label">>,
): string[] {
  const problems: string[] = [];
  const stripped = new Map(
    columns
      .filter((c) => withoutAccents(c.label) !== c.label)
      .map((c) => [withoutAccents(c.label).toLocaleLowerCase("fr"), c.label]),
  );
  for (const name of text.names) {
    const trimmed = name.trim();
    if (trimmed.includes("_")) problems.push(`${text.where} : « ${trimmed} » contient « _ »`);
    const label = stripped.get(trimmed.toLocaleLowerCase("fr"));
    if (label !== undefined && trimmed !== label) {
      problems.push(`${text.where} : « ${trimmed} » est le libellé « ${label} » sans ses accents`);
    }
  }
  for (const cell of text.monthCells) {
    if (ISO_DATE.test(cell)) problems.push(`${text.where} : un mois s'affiche « ${cell} » (date ISO)`);
  }
  return problems;
}

/** What is wrong with the headers a reader sees for these described columns (empty when nothing). */
export function headerProblems(headers: readonly unknown[], columns: readonly QuestionColumn[]): string[] {
  const problems: string[] = [];
  if (headers.length !== columns.length) {
    problems.push(`${headers.length} headers for ${columns.length} described columns`);
  }
  columns.forEach((column, i) => {
    const header = headers[i];
    if (typeof header !== "string") {
      problems.push(`column ${column.name}: header ${JSON.stringify(header)} is not text`);
      return;
    }
    if (header.includes("_")) problems.push(`column ${column.name}: header « ${header} » holds a _`);
    const stripped = withoutAccents(column.label);
    if (stripped !== column.label && header.includes(stripped)) {
      problems.push(`column ${column.name}: header « ${header} » is the label without its accents`);
    }
    if (header !== columnHeader(column)) {
      problems.push(`column ${column.name}: header « ${header} », label « ${columnHeader(column)} »`);
    }
  });
  return problems;
}
