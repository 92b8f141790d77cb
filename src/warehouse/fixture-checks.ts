import {
  anchorDashboard,
  cutoffDay,
  dashboardCardParameters,
  questionRenderParameters,
  renderQuestion,
  type Catalog,
  type Question,
} from "../catalog/index.js";
import { noteCards, noteDashboard, selectBlockRow } from "../catalog/note-dashboard.js";
import type { Database } from "../storage/database.js";
import { dayIn, type RenderedQuery } from "../template/index.js";
import type { CatalogTestFailure } from "./catalog-test.js";
import type { Expectation, NoteExpectation } from "./expectations.js";
import { inFixtureWarehouse } from "./filtered-copy.js";
import { canonicalValue, runQuery, type QueryResult } from "./query-run.js";

/**
 * The hand-computed values of sql-tests/ checked on its tiny warehouse: key questions with their tag
 * values, and every figure block of every note as its page runs it (the note's values, a reader's locks).
 * A block without an expected value fails: a note's figure is published, so someone computed it by hand.
 */

export interface FixtureExpectations {
  fixtureSql: string;
  list: readonly Expectation[];
  notes?: readonly NoteExpectation[];
}

function sameValue(expected: unknown, actual: unknown): boolean {
  if (expected === null || actual === null || actual === undefined) return expected === (actual ?? null);
  if (typeof expected === "number") {
    const n = typeof actual === "number" ? actual : typeof actual === "string" ? Number(actual) : NaN;
    return Math.abs(n - expected) < 1e-9;
  }
  if (actual instanceof Date) {
    const local = `${actual.getFullYear()}-${String(actual.getMonth() + 1).padStart(2, "0")}-${String(actual.getDate()).padStart(2, "0")}`;
    return String(expected) === local || String(expected) === actual.toISOString();
  }
  return String(expected) === String(actual);
}

function rowsMismatch(expected: ReadonlyArray<Record<string, unknown>>, actual: QueryResult["rows"]): string {
  if (actual.length !== expected.length) return `${actual.length} lignes au lieu de ${expected.length}`;
  return expected
    .map((row, i) =>
      Object.entries(row)
        .filter(([column, value]) => !sameValue(value, actual[i]![column]))
        .map(
          ([column, value]) =>
            `ligne ${i + 1}, ${column} : ${JSON.stringify(canonicalValue(actual[i]![column]))} au lieu de ${JSON.stringify(value)}`,
        ),
    )
    .flat()
    .join(" ; ");
}

/** Notes' blocks that no expectation covers. */
export function uncoveredNoteBlocks(
  catalog: Pick<Catalog, "notes">,
  expectations: readonly NoteExpectation[],
): CatalogTestFailure[] {
  const covered = new Set(expectations.map((e) => `${e.note}#${e.block}`));
  return catalog.notes.flatMap((note) =>
    note.blocks
      .filter((block) => !covered.has(`${note.key}#${block.id}`))
      .map((block): CatalogTestFailure => ({
        kind: "untested",
        question: block.question,
        dashboard: `notes/${note.key}`,
        message: `Le bloc « ${block.id} » de la note « ${note.title} » (${note.file}) n'a pas de valeur attendue dans sql-tests/expectations.yaml (« notes: ») : ajoutez ce qu'il doit donner sur l'entrepôt miniature, calculé à la main.`,
      })),
  );
}

export async function checkExpectations(
  db: Database,
  catalog: Pick<Catalog, "questions" | "notes">,
  expectations: FixtureExpectations,
  timeoutMs: number,
  now: Date,
): Promise<CatalogTestFailure[]> {
  const questions = new Map<string, Question>(catalog.questions.map((q) => [q.key, q]));
  return inFixtureWarehouse(db, expectations.fixtureSql, timeoutMs, async (tx) => {
    const failures: CatalogTestFailure[] = [];
    for (const expectation of expectations.list) {
      const question = questions.get(expectation.question);
      const fail = (message: string) =>
        failures.push({ kind: "expectation", question: expectation.question, message });
      if (!question) {
        fail(`Valeur attendue pour « ${expectation.question} », qui n'est pas une question du catalogue.`);
        continue;
      }
      let rendered: RenderedQuery;
      try {
        rendered = renderQuestion(question, questionRenderParameters(question, expectation.parameters), {
          now,
        });
      } catch (error) {
        fail(
          `« ${question.name} » ne se construit pas avec les paramètres attendus : ${error instanceof Error ? error.message : String(error)}`,
        );
        continue;
      }
      const outcome = await runQuery(tx, rendered);
      if (!outcome.ok) {
        fail(`« ${question.name} » échoue sur l'entrepôt miniature : ${outcome.message}`);
        continue;
      }
      const mismatch = rowsMismatch(expectation.rows, outcome.result.rows);
      if (mismatch) {
        fail(
          `« ${question.name} » (${question.key}) sur l'entrepôt miniature ${expectation.description ? `(${expectation.description}) ` : ""}: ${mismatch}.`,
        );
      }
    }

    // The tiny warehouse has no load marker: relative values would count from today, and notes have none.
    const cutoff = cutoffDay(undefined) ?? dayIn(now, "Europe/Paris");
    for (const expectation of expectations.notes ?? []) {
      const note = catalog.notes.find((n) => n.key === expectation.note);
      const index = note?.blocks.findIndex((b) => b.id === expectation.block) ?? -1;
      const block = note?.blocks[index];
      const question = block ? questions.get(block.question) : undefined;
      const where = `le bloc « ${expectation.block} » de la note « ${expectation.note} »`;
      const fail = (message: string) =>
        failures.push({
          kind: "expectation",
          question: block?.question ?? expectation.block,
          dashboard: `notes/${expectation.note}`,
          message,
        });
      if (!note || !block || !question) {
        fail(`Valeur attendue pour ${where}, qui n'existe pas (ou dont la question n'existe pas).`);
        continue;
      }
      let rendered: RenderedQuery;
      try {
        const dashboard = anchorDashboard(noteDashboard(note), cutoff);
        const parameters = dashboardCardParameters(
          dashboard,
          noteCards(note)[index]!,
          question,
          expectation.locks,
        );
        rendered = renderQuestion(question, parameters, { now });
      } catch (error) {
        fail(`${where} ne se construit pas : ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const outcome = await runQuery(tx, rendered);
      if (!outcome.ok) {
        fail(`${where} échoue sur l'entrepôt miniature : ${outcome.message}`);
        continue;
      }
      const label = `${where} sur l'entrepôt miniature ${expectation.description ? `(${expectation.description}) ` : ""}`;
      if (expectation.rows) {
        const mismatch = rowsMismatch(expectation.rows, outcome.result.rows);
        if (mismatch) fail(`${label}: ${mismatch}.`);
        continue;
      }
      const row = selectBlockRow(outcome.result.rows, (r, column) => r[column], block.row);
      if (!row) {
        fail(
          `${label}: aucune ligne ${block.row ? `ne correspond à ${JSON.stringify(block.row)}` : "unique"} (${outcome.result.rows.length} ligne(s)).`,
        );
        continue;
      }
      const actual = row[block.column ?? ""];
      if (!sameValue(expectation.value, actual)) {
        fail(
          `${label}: ${JSON.stringify(canonicalValue(actual))} au lieu de ${JSON.stringify(expectation.value)}.`,
        );
      }
    }
    return failures;
  });
}
