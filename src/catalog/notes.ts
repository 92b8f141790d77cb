import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DashboardParameterSchema } from "./schema.js";
import { dashboardParameter, parseWith, readText, relativePath } from "./source-files.js";
import type { CatalogProblem, Note, NoteBlock, NoteSegment, ProfileKindKey } from "./types.js";
import { parseYamlSource } from "./yaml-source.js";

/**
 * Reads the notes d'analyse (`notes/*.md`, format in notes/README.md): YAML front matter, then Markdown
 * whose ```figure fences are blocks running a question like a dashboard card. File-level problems only;
 * the rules across files (questions, locks, citations) are validate-notes.ts's.
 */

export const NOTES_DIR = "notes";
const NOTES_README = "notes/README.md";

/** A note's address is /notes/<key>: plain words, no folder. */
export const NOTE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const BLOCK_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const text = z.string().trim().min(1, { error: "ne doit pas être vide" });

export const NoteFrontMatterSchema = z.strictObject({
  title: text,
  summary: text,
  authors: z.array(text).min(1, { error: "doit nommer au moins un auteur ou une autrice" }),
  date: z
    .string()
    .regex(DAY_PATTERN, { error: "doit être une date AAAA-MM-JJ" })
    .refine((day) => !Number.isNaN(Date.parse(day)), { error: "doit être une date qui existe" }),
  audiences: z.array(z.string()).default([]),
  public: z.boolean().default(false),
  themes: z.array(text).min(1, { error: "doit nommer au moins un thème" }),
  source: text.optional(),
  parameters: z.array(DashboardParameterSchema).default([]),
});

export const NOTE_BLOCK_SHOWS = ["chart", "table", "value", "inline"] as const;

export const NoteBlockSchema = z.strictObject({
  id: z.string().regex(BLOCK_ID_PATTERN, { error: "doit être en minuscules (lettres, chiffres et -)" }),
  question: text,
  show: z.enum(NOTE_BLOCK_SHOWS),
  title: text.optional(),
  column: text.optional(),
  row: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  mappings: z.record(z.string(), z.string()).default({}),
  source: text.optional(),
});

/** `{{id}}` in the text: the value of an inline or value block. */
export const CITATION = /\{\{\s*([a-z0-9][a-z0-9-]*)\s*\}\}/g;

const FRONT_MATTER = /^---\s*$/;
const FIGURE_OPEN = /^```figure\s*$/;
const FENCE_CLOSE = /^```\s*$/;

interface SplitNote {
  frontMatter: string;
  body: Array<
    { kind: "markdown"; text: string; line: number } | { kind: "figure"; yaml: string; line: number }
  >;
}

function split(source: string, file: string, problems: CatalogProblem[]): SplitNote | null {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const close = lines.findIndex((line, i) => i > 0 && FRONT_MATTER.test(line));
  if (!FRONT_MATTER.test(lines[0] ?? "") || close < 0) {
    problems.push({
      rule: "note.front-matter",
      file,
      line: 1,
      message: "En-tête de la note absent ou non fermé.",
      hint: `Commencez le fichier par une ligne « --- », le titre, le résumé, la date… en YAML, puis une ligne « --- » (voir ${NOTES_README}).`,
    });
    return null;
  }
  const body: SplitNote["body"] = [];
  let markdown: string[] = [];
  let markdownLine = close + 2;
  const flush = (nextLine: number) => {
    if (markdown.some((line) => line.trim() !== ""))
      body.push({ kind: "markdown", text: markdown.join("\n"), line: markdownLine });
    markdown = [];
    markdownLine = nextLine;
  };
  for (let i = close + 1; i < lines.length; i++) {
    if (!FIGURE_OPEN.test(lines[i]!)) {
      markdown.push(lines[i]!);
      continue;
    }
    const end = lines.findIndex((line, j) => j > i && FENCE_CLOSE.test(line));
    if (end < 0) {
      problems.push({
        rule: "note.figure-unclosed",
        file,
        line: i + 1,
        message: "Bloc « ```figure » jamais fermé.",
        hint: "Fermez-le par une ligne « ``` » après sa description.",
      });
      return null;
    }
    flush(end + 2);
    body.push({ kind: "figure", yaml: lines.slice(i + 1, end).join("\n"), line: i + 1 });
    i = end;
  }
  flush(lines.length + 1);
  return { frontMatter: lines.slice(1, close).join("\n"), body };
}

async function loadNote(root: string, full: string, problems: CatalogProblem[]): Promise<Note | null> {
  const file = relativePath(root, full);
  const key = path.basename(full, ".md");
  if (!NOTE_KEY_PATTERN.test(key)) {
    problems.push({
      rule: "note.key",
      file,
      line: 1,
      message: `Le nom de fichier « ${key} » ne peut pas servir d'adresse (/notes/${key}).`,
      hint: "Renommez le fichier en minuscules, sans accent ni espace (lettres, chiffres et -).",
    });
    return null;
  }
  const parts = split((await readText(full)) ?? "", file, problems);
  if (!parts) return null;
  const header = parseYamlSource(parts.frontMatter, file, 2);
  problems.push(...header.problems);
  if (header.problems.length > 0) return null;
  const front = parseWith(NoteFrontMatterSchema, header.data, file, header.lines, 1, NOTES_README, problems);

  const lines: Record<string, number> = { ...header.lines };
  const blocks: NoteBlock[] = [];
  const body: NoteSegment[] = [];
  let failed = front === null;
  for (const part of parts.body) {
    if (part.kind === "markdown") {
      body.push(part);
      continue;
    }
    const yaml = parseYamlSource(part.yaml, file, part.line + 1);
    problems.push(...yaml.problems);
    const index = blocks.length;
    const block =
      yaml.problems.length > 0
        ? null
        : parseWith(NoteBlockSchema, yaml.data, file, yaml.lines, part.line, NOTES_README, problems);
    if (!block) {
      failed = true;
      continue;
    }
    lines[`blocks.${index}`] = part.line;
    for (const [dotted, line] of Object.entries(yaml.lines)) lines[`blocks.${index}.${dotted}`] = line;
    blocks.push({
      id: block.id,
      question: block.question,
      show: block.show,
      ...(block.title === undefined ? {} : { title: block.title }),
      ...(block.column === undefined ? {} : { column: block.column }),
      ...(block.row === undefined ? {} : { row: block.row }),
      mappings: block.mappings,
      ...(block.source === undefined ? {} : { source: block.source }),
      line: part.line,
    });
    body.push({ kind: "figure", blockId: block.id });
  }
  if (failed || !front) return null;
  return {
    key,
    file,
    title: front.title,
    summary: front.summary,
    authors: front.authors,
    date: front.date,
    audiences: front.audiences as ProfileKindKey[],
    public: front.public,
    themes: front.themes,
    ...(front.source === undefined ? {} : { source: front.source }),
    parameters: front.parameters.map(dashboardParameter),
    blocks,
    body,
    location: { file, line: 1, lines },
  };
}

/** Every note under `root/notes/` (its README aside), or none when the folder does not exist. */
export async function loadNotes(root: string, problems: CatalogProblem[]): Promise<Note[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(root, NOTES_DIR));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files = names.filter((name) => name.endsWith(".md") && name !== "README.md").sort();
  const notes = await Promise.all(
    files.map((name) => loadNote(root, path.join(root, NOTES_DIR, name), problems)),
  );
  return notes.filter((note): note is Note => note !== null);
}

/** Values the text cites (`{{id}}`), in order, with the line of each. */
export function citationsOf(note: Pick<Note, "body">): Array<{ id: string; line: number }> {
  return note.body.flatMap((segment) => {
    if (segment.kind !== "markdown") return [];
    return segment.text
      .split("\n")
      .flatMap((text, i) => [...text.matchAll(CITATION)].map((m) => ({ id: m[1]!, line: segment.line + i })));
  });
}
