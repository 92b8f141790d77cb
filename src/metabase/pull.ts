import { isMap, isSeq, parseDocument, type Document } from "yaml";
import { columnTitles } from "./column-settings.js";
import { pairDashcards, type FieldChange } from "./diff.js";
import type { DashcardForm } from "./forms.js";
import type { Plan, PlanEntry } from "./plan.js";
import { pullCardVisualization, pullColumnTitles, type ColumnPull } from "./pull-columns.js";
import { editYaml, type YamlEdit } from "./yaml-edit.js";

/**
 * `pilotage pull`: edits made in the Metabase UI to managed objects, written back into the files so that
 * they can be reviewed in git. Only drift is pulled — objects whose definition did not change since the last
 * apply (the plan's origin "metabase"): an object changed in the files too is left for a person to reconcile,
 * so that a pull never silently reverts a file edit. Pure: takes file texts, returns new texts.
 *
 * Pulled: a question's name, description, SQL, chart type and visualization settings, column titles and
 * decimals into its `columns:` (pull-columns.ts); a dashboard's title, description, the position and size
 * of its cards, and column titles set on its cards (into their questions' labels). Never pulled: parameters, locks and embedding settings
 * (the lock contract is defined in the files only; `apply` restores it), collections, and cards added or
 * removed in Metabase (reported, for a person to decide).
 */

export interface FileEdit {
  file: string;
  before: string;
  after: string;
}

export interface PullResult {
  edits: FileEdit[];
  /** What was seen but not written back, and why (French). */
  notes: string[];
}

const QUESTION_FIELDS: Record<string, string> = {
  name: "name",
  description: "description",
  display: "display",
};

const NOT_PULLED: Record<string, string> = {
  templateTags: "variables",
  parameters: "filtres",
  enableEmbedding: "intégration",
  embeddingParams: "verrous et filtres d'intégration",
  collection: "collection",
  databaseId: "base de données",
  marker: "marque pilotage:",
  tabs: "onglets",
};

export function planPull(plan: Plan, files: ReadonlyMap<string, { file: string; text: string }>): PullResult {
  const notes: string[] = [];
  /** Each file's text as edited so far: a question file may take edits from its card and its dashboards. */
  const texts = new Map<string, { before: string; after: string }>();
  const textOf = (source: { file: string; text: string }) => texts.get(source.file)?.after ?? source.text;
  const write = (source: { file: string; text: string }, after: string) =>
    texts.set(source.file, { before: texts.get(source.file)?.before ?? source.text, after });
  for (const entry of plan.entries) {
    if (entry.action !== "update" || entry.model === "collection") continue;
    const where = `${entry.model === "card" ? "question" : "tableau de bord"} ${entry.key}`;
    if (entry.origin !== "metabase") {
      notes.push(
        `${where} : modifié dans les fichiers depuis le dernier apply (ou jamais appliqué) ; rien n'est rapatrié pour ne pas écraser ces modifications — réconciliez à la main avec \`pilotage plan\`.`,
      );
      continue;
    }
    const source = files.get(`${entry.model}:${entry.key}`);
    if (!source) {
      notes.push(`${where} : fichier de définition introuvable, rien n'est rapatrié.`);
      continue;
    }
    const skipped = entry.changes.filter((c) => c.field in NOT_PULLED).map((c) => NOT_PULLED[c.field]);
    if (skipped.length > 0) {
      notes.push(
        `${where} : ${skipped.join(", ")} modifiés dans Metabase ne sont pas rapatriés ; \`pilotage apply\` remettra la version des fichiers.`,
      );
    }
    const result =
      entry.model === "card"
        ? pullQuestionFile(textOf(source), entry)
        : pullDashboardFile(textOf(source), entry);
    notes.push(...result.notes.map((n) => `${where} : ${n}`));
    write(source, result.text);
    if (entry.model === "dashboard") notes.push(...pullDashcardTitles(plan, entry, files, textOf, write));
  }
  const edits: FileEdit[] = [...texts.entries()]
    .filter(([, t]) => t.before !== t.after)
    .map(([file, t]) => ({ file, before: t.before, after: t.after }));
  return { edits, notes };
}

/** Column titles set on a dashboard's cards, into the labels of their questions' files. */
function pullDashcardTitles(
  plan: Plan,
  entry: PlanEntry,
  files: ReadonlyMap<string, { file: string; text: string }>,
  textOf: (source: { file: string; text: string }) => string,
  write: (source: { file: string; text: string }, after: string) => void,
): string[] {
  const notes: string[] = [];
  const change = entry.changes.find((c) => c.field === "dashcards");
  if (!change) return notes;
  for (const dashcard of asDashcards(change.before)) {
    const titles = columnTitles(dashcard.visualizationSettings ?? {});
    if (Object.keys(titles).length === 0) continue;
    const where = `question ${dashcard.question} (titres posés sur le tableau de bord ${entry.key})`;
    const card = plan.entries.find((e) => e.model === "card" && e.key === dashcard.question);
    const source = files.get(`card:${dashcard.question}`);
    if (card && card.action === "update" && card.origin !== "metabase") {
      notes.push(
        `${where} : la question a changé dans les fichiers depuis le dernier apply, rien n'est rapatrié.`,
      );
      continue;
    }
    if (!source) {
      notes.push(`${where} : fichier de définition introuvable, rien n'est rapatrié.`);
      continue;
    }
    const edited = editQuestionHeader(textOf(source), (header) => pullColumnTitles(header, titles));
    notes.push(...edited.notes.map((n) => `${where} : ${n}`));
    write(source, edited.text);
  }
  return notes;
}

const HEADER_OPEN = /^\/\*\s*---\s*$/;
const HEADER_CLOSE = /^---\s*\*\/\s*$/;

/**
 * Edits the YAML header of a question file (`/* ---` … `--- *\/`) in place, and replaces the SQL after it
 * when given one.
 */
function editQuestionHeader(
  text: string,
  pull: (header: string) => ColumnPull,
  sql?: string,
): { text: string; notes: string[] } {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const close = lines.findIndex((line, i) => i > 0 && HEADER_CLOSE.test(line));
  if (!HEADER_OPEN.test(lines[0] ?? "") || close < 0) {
    return { text, notes: ["en-tête de métadonnées introuvable, rien n'est rapatrié"] };
  }
  const header = `${lines.slice(1, close).join("\n")}\n`;
  const { edits, notes } = pull(header);
  const edited = editYaml(header, edits);
  if (edited === header && sql === undefined) return { text, notes };
  const body =
    sql === undefined
      ? lines.slice(close + 1).join("\n")
      : `${sql.replace(/^\n+/, "").replace(/\s+$/, "")}\n`;
  const result = `${lines[0]}\n${edited}${lines[close]}\n${body}`;
  return { text: newline === "\n" ? result : result.replace(/\n/g, newline), notes };
}

/** A question file: `/* ---` YAML header `--- *\/`, then the SQL (sql/README.md). */
export function pullQuestionFile(text: string, entry: PlanEntry): { text: string; notes: string[] } {
  let sql: string | undefined;
  for (const change of entry.changes) {
    if (change.field === "sql" && typeof change.before === "string") sql = change.before;
  }
  return editQuestionHeader(
    text,
    (header) => {
      const pull: ColumnPull = { edits: [], notes: [] };
      for (const change of entry.changes) {
        const field = QUESTION_FIELDS[change.field];
        if (field) pull.edits.push({ path: [field], value: change.before });
        if (change.field === "visualizationSettings") {
          const columns = pullCardVisualization(header, change.before, change.after);
          pull.edits.push(...columns.edits);
          pull.notes.push(...columns.notes);
        }
      }
      return pull;
    },
    sql,
  );
}

/** A dashboard file (metabase-config/dashboards/*.yaml). */
export function pullDashboardFile(text: string, entry: PlanEntry): { text: string; notes: string[] } {
  const edits: YamlEdit[] = [];
  const notes: string[] = [];
  for (const change of entry.changes) {
    if (change.field === "name") edits.push({ path: ["title"], value: change.before });
    if (change.field === "description") edits.push({ path: ["description"], value: change.before });
    if (change.field === "dashcards") notes.push(...pullLayout(parseDocument(text), change, edits));
  }
  return { text: editYaml(text, edits), notes };
}

function pullLayout(doc: Document, change: FieldChange, edits: YamlEdit[]): string[] {
  const remote = asDashcards(change.before);
  const wanted = asDashcards(change.after);
  const cards = doc.get("cards", true);
  if (!isSeq(cards)) return ["liste « cards » introuvable, disposition non rapatriée"];
  const notes: string[] = [];
  for (const { wanted: w, current } of pairDashcards(remote, wanted)) {
    if (w && current) {
      const index = cards.items.findIndex((item) => {
        if (!isMap(item)) return false;
        return item.get("question") === w.question && item.get("row") === w.row && item.get("col") === w.col;
      });
      if (index < 0) continue;
      edits.push(
        { path: ["cards", index, "row"], value: current.row },
        { path: ["cards", index, "col"], value: current.col },
        { path: ["cards", index, "size_x"], value: current.sizeX },
        { path: ["cards", index, "size_y"], value: current.sizeY },
      );
      if (JSON.stringify(w.mappings) !== JSON.stringify(current.mappings)) {
        notes.push(`les filtres reliés à la carte ${w.question} ont changé dans Metabase : non rapatrié`);
      }
    } else if (current) {
      notes.push(
        `carte ${current.question} ajoutée dans Metabase : non rapatriée, ajoutez-la au fichier si elle doit rester`,
      );
    } else if (w) {
      notes.push(
        `carte ${w.question} retirée dans Metabase : non rapatrié, retirez-la du fichier si elle ne doit pas revenir`,
      );
    }
  }
  return notes;
}

function asDashcards(value: unknown): DashcardForm[] {
  return Array.isArray(value)
    ? value.filter((v): v is DashcardForm => typeof v === "object" && v !== null)
    : [];
}
