import { isMap, isScalar, isSeq, parseDocument, type Document } from "yaml";
import { columnTitles } from "./column-settings.js";
import { pairDashcards, type FieldChange } from "./diff.js";
import type { DashcardForm } from "./forms.js";
import type { Plan, PlanEntry } from "./plan.js";
import { pullCardVisualization, pullColumnTitles } from "./pull-columns.js";

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
  const edits = [...texts.entries()]
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
    const edited = editQuestionHeader(textOf(source), (doc) => pullColumnTitles(doc, titles));
    notes.push(...edited.notes.map((n) => `${where} : ${n}`));
    write(source, edited.text);
  }
  return notes;
}

/** As people write YAML: `[a, b]`, not `[ a, b ]`. */
const YAML_OPTIONS = { flowCollectionPadding: false } as const;

/** The top-level block of `key` (its line and the indented or `-` lines under it), or undefined. */
function blockOf(text: string, key: string): { start: number; end: number } | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`${key}:`));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && /^(\s|-|$)/.test(lines[end]!) && lines[end] !== "") end++;
  return { start, end };
}

/**
 * A question's header as text. `columns:` is a list of one-line maps (`- { name: …, label: … }`), which
 * the YAML library would break over several lines past 80 characters: that block is written unfolded and
 * padded, the rest as before.
 */
function stringifyHeader(doc: Document): string {
  const text = doc.toString(YAML_OPTIONS);
  const flat = doc.toString({ flowCollectionPadding: true, lineWidth: 0 });
  const [target, source] = [blockOf(text, "columns"), blockOf(flat, "columns")];
  if (!target || !source) return text;
  const lines = text.split("\n");
  lines.splice(target.start, target.end - target.start, ...flat.split("\n").slice(source.start, source.end));
  return lines.join("\n");
}

const HEADER_OPEN = /^\/\*\s*---\s*$/;
const HEADER_CLOSE = /^---\s*\*\/\s*$/;

/** Edits the YAML header of a question file (`/* ---` … `--- *\/`), the SQL after it replaced when given. */
function editQuestionHeader(
  text: string,
  edit: (doc: Document) => string[],
  sql?: (current: string) => string | undefined,
): { text: string; notes: string[] } {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const close = lines.findIndex((line, i) => i > 0 && HEADER_CLOSE.test(line));
  if (!HEADER_OPEN.test(lines[0] ?? "") || close < 0) {
    return { text, notes: ["en-tête de métadonnées introuvable, rien n'est rapatrié"] };
  }
  const doc = parseDocument(lines.slice(1, close).join("\n"));
  const notes = edit(doc);
  const current = lines
    .slice(close + 1)
    .join("\n")
    .replace(/^\n+/, "");
  const body = sql?.(current) ?? current;
  const header = stringifyHeader(doc).replace(/\n+$/, "");
  return { text: `${lines[0]}\n${header}\n${lines[close]}\n${body.replace(/\s+$/, "")}\n`, notes };
}

/** A question file: `/* ---` YAML header `--- *\/`, then the SQL (sql/README.md). */
export function pullQuestionFile(text: string, entry: PlanEntry): { text: string; notes: string[] } {
  let sql: string | undefined;
  return editQuestionHeader(
    text,
    (doc) => {
      const notes: string[] = [];
      for (const change of entry.changes) {
        if (change.field === "sql" && typeof change.before === "string") sql = change.before;
        const field = QUESTION_FIELDS[change.field];
        if (field) setField(doc, [field], change.before);
        if (change.field === "visualizationSettings")
          notes.push(...pullCardVisualization(doc, change.before, change.after));
      }
      return notes;
    },
    () => sql,
  );
}

/** A dashboard file (metabase-config/dashboards/*.yaml). */
export function pullDashboardFile(text: string, entry: PlanEntry): { text: string; notes: string[] } {
  const doc = parseDocument(text);
  const notes: string[] = [];
  for (const change of entry.changes) {
    if (change.field === "name") setField(doc, ["title"], change.before);
    if (change.field === "description") setField(doc, ["description"], change.before);
    if (change.field === "dashcards") notes.push(...pullLayout(doc, change));
  }
  return { text: doc.toString(YAML_OPTIONS), notes };
}

function pullLayout(doc: Document, change: FieldChange): string[] {
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
      doc.setIn(["cards", index, "row"], current.row);
      doc.setIn(["cards", index, "col"], current.col);
      doc.setIn(["cards", index, "size_x"], current.sizeX);
      doc.setIn(["cards", index, "size_y"], current.sizeY);
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

/** Sets a value, keeping the existing scalar's style (a folded description stays folded). */
function setField(doc: Document, path: string[], value: unknown): void {
  const node = doc.getIn(path, true);
  if (
    isScalar(node) &&
    (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
  ) {
    node.value = typeof value === "string" && node.type?.startsWith("BLOCK") ? `${value}\n` : value;
    return;
  }
  if (value === "" || value === undefined) {
    doc.deleteIn(path);
    return;
  }
  doc.setIn(path, doc.createNode(value));
}
