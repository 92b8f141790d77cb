import type { QuestionColumn } from "../../src/catalog/index.js";

/**
 * Issue 17's acceptance, as one check every rendering can run (pages here; the exports' CSV and XLSX
 * with the same function): what a reader sees never shows an SQL alias. No header, legend or axis text
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
