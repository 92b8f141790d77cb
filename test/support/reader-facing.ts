import { columnHeader } from "../../src/catalog/columns.js";
import type { QuestionColumn } from "../../src/catalog/index.js";

/**
 * Issue 17's acceptance, for what a reader sees of a column: a header is the question's label (with its
 * unit, as the gateway's tables print it), never a SQL alias (`_`) nor a label with its accents stripped.
 * Shared by the export tests (French CSV, XLSX); the pages can use it too.
 */

export function withoutAccents(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "");
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
