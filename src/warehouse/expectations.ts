import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { AppError } from "../errors.js";

/**
 * Hand-computed results of key questions on a tiny hand-made warehouse (sql-tests/): the check that an
 * indicator computes what its description says, which no comparison between two runs of the same SQL
 * can give.
 */
export const SQL_TESTS_DIR = "sql-tests";
export const FIXTURE_FILE = "tiny-warehouse.sql";
export const EXPECTATIONS_FILE = "expectations.yaml";

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const ExpectationSchema = z.strictObject({
  question: z.string().min(1),
  description: z.string().optional(),
  /** Tag → value, as the question receives them. */
  parameters: z.record(z.string(), z.unknown()).default({}),
  /** Expected rows in order; each lists the columns it checks. */
  rows: z.array(z.record(z.string(), Cell)),
});

/**
 * A note's figure block, run as the note page runs it: the note's own values, and `locks` (the note's
 * locked parameter slug → the value a reader's perimeter gives it). A value block expects its `value`,
 * a table or chart its `rows`.
 */
const NoteExpectationSchema = z
  .strictObject({
    note: z.string().min(1),
    block: z.string().min(1),
    description: z.string().optional(),
    locks: z.record(z.string(), z.unknown()).default({}),
    value: Cell.optional(),
    rows: z.array(z.record(z.string(), Cell)).optional(),
  })
  .refine((e) => (e.value === undefined) !== (e.rows === undefined), {
    message:
      "une valeur attendue de note donne soit « value » (bloc de valeur), soit « rows » (tableau, graphique)",
  });

const ExpectationsFileSchema = z.strictObject({
  expectations: z.array(ExpectationSchema),
  notes: z.array(NoteExpectationSchema).default([]),
});

export type Expectation = z.infer<typeof ExpectationSchema>;
export type NoteExpectation = z.infer<typeof NoteExpectationSchema>;

export class ExpectationsFileError extends AppError {
  constructor(file: string, detail: string) {
    super(422, `${file} est invalide : ${detail}. Corrigez le fichier (format décrit en tête du fichier).`, {
      code: "invalid_expectations",
    });
  }
}

/** The fixture and expectations under `root/sql-tests/`, or undefined when the folder does not exist. */
export function loadExpectations(
  root: string,
): { fixtureSql: string; list: Expectation[]; notes: NoteExpectation[] } | undefined {
  const dir = path.join(root, SQL_TESTS_DIR);
  if (!fs.existsSync(dir)) return undefined;
  const file = path.join(SQL_TESTS_DIR, EXPECTATIONS_FILE);
  let data: unknown;
  try {
    data = YAML.parse(fs.readFileSync(path.join(root, file), "utf8"));
  } catch (error) {
    throw new ExpectationsFileError(file, error instanceof Error ? error.message : String(error));
  }
  const parsed = ExpectationsFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ExpectationsFileError(
      file,
      parsed.error.issues.map((i) => `${i.path.join(".")} : ${i.message}`).join(" ; "),
    );
  }
  return {
    fixtureSql: fs.readFileSync(path.join(dir, FIXTURE_FILE), "utf8"),
    list: parsed.data.expectations,
    notes: parsed.data.notes,
  };
}
