import fs from "node:fs/promises";
import path from "node:path";
import { parseTemplate, TemplateError } from "../template/index.js";
import { contentVersion, normaliseSql } from "./content-version.js";
import { CatalogError } from "./errors.js";
import { loadNotes } from "./notes.js";
import {
  CollectionsSchema,
  DashboardSchema,
  KEY_PATTERN,
  ProfileKindsSchema,
  QuestionHeaderSchema,
} from "./schema.js";
import { dashboardParameter, parseWith, readText, relativePath } from "./source-files.js";
import type {
  Catalog,
  CatalogProblem,
  Collection,
  Dashboard,
  ProfileKind,
  ProfileKindKey,
  Question,
  QuestionColumn,
  QuestionParameter,
} from "./types.js";
import { parseYamlSource } from "./yaml-source.js";

export { MULTI_VALUE_ATTRIBUTES } from "./schema.js";

/**
 * Reads sql/ and metabase-config/ under a repository root. File-level problems (unreadable YAML, a missing
 * or misspelt field) are collected for every file at once; cross-file rules are validateCatalog's.
 */

export const SQL_DIR = "sql";
export const CONFIG_DIR = "metabase-config";
export const DASHBOARDS_DIR = `${CONFIG_DIR}/dashboards`;
export const COLLECTIONS_FILE = `${CONFIG_DIR}/collections.yaml`;
export const PROFILE_KINDS_FILE = `${CONFIG_DIR}/profile-kinds.yaml`;

const SQL_README = "sql/README.md";
const CONFIG_README = "metabase-config/README.md";

/** The header of a .sql file: a block comment opened by `/* ---` on the first line, closed by `--- *\/`. */
const HEADER_OPEN = /^\/\*\s*---\s*$/;
const HEADER_CLOSE = /^---\s*\*\/\s*$/;

async function listFiles(dir: string, extensions: readonly string[]): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(full, extensions);
      return extensions.some((ext) => entry.name.endsWith(ext)) ? [full] : [];
    }),
  );
  return nested.flat().sort();
}

function splitQuestionFile(
  text: string,
): { header: string; headerLine: number; sql: string; sqlLine: number } | null {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (!HEADER_OPEN.test(lines[0] ?? "")) return null;
  const close = lines.findIndex((line, i) => i > 0 && HEADER_CLOSE.test(line));
  if (close < 0) return null;
  let first = close + 1;
  while (first < lines.length && lines[first]!.trim() === "") first++;
  return {
    header: lines.slice(1, close).join("\n"),
    headerLine: 2,
    sql: lines.slice(first).join("\n").trimEnd(),
    sqlLine: first + 1,
  };
}

async function loadQuestion(
  root: string,
  full: string,
  problems: CatalogProblem[],
): Promise<Question | null> {
  const file = relativePath(root, full);
  const text = (await readText(full)) ?? "";
  const split = splitQuestionFile(text);
  if (!split) {
    problems.push({
      rule: "question.header",
      file,
      line: 1,
      message: "En-tête de métadonnées absent ou non fermé.",
      hint: `Commencez le fichier par une ligne « /* --- », les métadonnées YAML, puis une ligne « --- */ » avant le SQL (voir ${SQL_README}).`,
    });
    return null;
  }
  const yaml = parseYamlSource(split.header, file, split.headerLine);
  problems.push(...yaml.problems);
  if (yaml.problems.length > 0) return null;
  const header = parseWith(QuestionHeaderSchema, yaml.data, file, yaml.lines, 1, SQL_README, problems);
  if (!header) return null;

  const derivedKey = relativePath(path.join(root, SQL_DIR), full).replace(/\.sql$/, "");
  if (!header.key && !KEY_PATTERN.test(derivedKey)) {
    problems.push({
      rule: "question.key",
      file,
      line: 1,
      message: `Le chemin « ${derivedKey} » ne peut pas servir de clé (minuscules, chiffres, - et _ seulement).`,
      hint: "Renommez le fichier, ou fixez la clé avec « key: … » dans l'en-tête.",
    });
    return null;
  }
  const key = header.key ?? derivedKey;
  const parameters = Object.entries(header.parameters).map(([tag, p]): QuestionParameter => ({
    tag,
    type: p.type,
    label: p.label,
    required: p.required,
    ...(p.default === undefined ? {} : { default: p.default }),
    multiple: p.multiple,
    ...(p.column === undefined ? {} : { column: p.column }),
    ...(p.column_type === undefined ? {} : { columnType: p.column_type }),
  }));
  const columns = header.columns.map((c): QuestionColumn => ({
    name: c.name,
    label: c.label,
    kind: c.kind,
    ...(c.percent_scale === undefined ? {} : { percentScale: c.percent_scale }),
    ...(c.unit === undefined ? {} : { unit: c.unit }),
    ...(c.decimals === undefined ? {} : { decimals: c.decimals }),
    ...(c.description === undefined ? {} : { description: c.description }),
  }));
  let template: Question["template"] = null;
  try {
    template = parseTemplate(split.sql);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
  }
  const definition = {
    key,
    name: header.name,
    description: header.description,
    collection: header.collection,
    display: header.display,
    visualization: header.visualization,
    sql: normaliseSql(split.sql),
    parameters: [...parameters].sort((a, b) => a.tag.localeCompare(b.tag)),
    // Labels and formats reach Metabase's column settings: a change is a change of content.
    ...(columns.length > 0 ? { columns } : {}),
  };
  return {
    ...definition,
    file,
    sql: split.sql,
    sqlLine: split.sqlLine,
    parameters,
    columns,
    contentVersion: contentVersion(definition),
    template,
    location: { file, line: 1, lines: yaml.lines },
  };
}

async function loadDashboard(
  root: string,
  full: string,
  problems: CatalogProblem[],
): Promise<Dashboard | null> {
  const file = relativePath(root, full);
  const yaml = parseYamlSource((await readText(full)) ?? "", file);
  problems.push(...yaml.problems);
  if (yaml.problems.length > 0) return null;
  const d = parseWith(DashboardSchema, yaml.data, file, yaml.lines, 1, CONFIG_README, problems);
  if (!d) return null;
  const derivedKey = path.basename(full).replace(/\.ya?ml$/, "");
  if (!d.key && !KEY_PATTERN.test(derivedKey)) {
    problems.push({
      rule: "dashboard.key",
      file,
      line: 1,
      message: `Le nom de fichier « ${derivedKey} » ne peut pas servir de clé (minuscules, chiffres, - et _ seulement).`,
      hint: "Renommez le fichier, ou fixez la clé avec « key: … ».",
    });
    return null;
  }
  const definition = {
    key: d.key ?? derivedKey,
    title: d.title,
    description: d.description,
    theme: d.theme,
    collection: d.collection,
    // Audience order means nothing; a card's place is its position, not its rank in the file.
    audiences: [...d.audiences].sort() as ProfileKindKey[],
    public: d.public,
    parameters: d.parameters.map(dashboardParameter),
    cards: d.cards.map((c) => ({
      question: c.question,
      row: c.row,
      col: c.col,
      sizeX: c.size_x,
      sizeY: c.size_y,
      mappings: c.mappings,
      ...(c.group_rows_by === undefined ? {} : { groupRowsBy: c.group_rows_by }),
    })),
    ...(d.feedback_url === undefined ? {} : { feedbackUrl: d.feedback_url }),
    mayBeWithdrawn: d.may_be_withdrawn,
    ...(d.source === undefined ? {} : { source: d.source }),
    ...(d.comparison === undefined ? {} : { comparison: d.comparison }),
  };
  const sortedCards = [...definition.cards].sort((a, b) => a.row - b.row || a.col - b.col);
  return {
    ...definition,
    audiences: d.audiences as ProfileKindKey[],
    file,
    contentVersion: contentVersion({ ...definition, cards: sortedCards }),
    location: { file, line: 1, lines: yaml.lines },
  };
}

async function loadCollections(root: string, problems: CatalogProblem[]): Promise<Collection[]> {
  const text = await readText(path.join(root, COLLECTIONS_FILE));
  if (text === null) return [];
  const yaml = parseYamlSource(text, COLLECTIONS_FILE);
  problems.push(...yaml.problems);
  if (yaml.problems.length > 0) return [];
  const parsed = parseWith(
    CollectionsSchema,
    yaml.data,
    COLLECTIONS_FILE,
    yaml.lines,
    1,
    CONFIG_README,
    problems,
  );
  if (!parsed) return [];
  return Object.entries(parsed.collections).map(([key, c]) => ({
    key,
    name: c.name,
    description: c.description,
    ...(c.parent === undefined ? {} : { parent: c.parent }),
    location: { file: COLLECTIONS_FILE, line: yaml.lines[`collections.${key}`] ?? 1, lines: yaml.lines },
  }));
}

async function loadProfileKinds(root: string, problems: CatalogProblem[]): Promise<ProfileKind[]> {
  const text = await readText(path.join(root, PROFILE_KINDS_FILE));
  if (text === null) {
    problems.push({
      rule: "profile-kinds.missing",
      file: PROFILE_KINDS_FILE,
      message: "Fichier des types de profil introuvable.",
      hint: `Créez ${PROFILE_KINDS_FILE} (voir ${CONFIG_README}) : les audiences des tableaux de bord s'y réfèrent.`,
    });
    return [];
  }
  const yaml = parseYamlSource(text, PROFILE_KINDS_FILE);
  problems.push(...yaml.problems);
  if (yaml.problems.length > 0) return [];
  const parsed = parseWith(
    ProfileKindsSchema,
    yaml.data,
    PROFILE_KINDS_FILE,
    yaml.lines,
    1,
    CONFIG_README,
    problems,
  );
  if (!parsed) return [];
  return Object.entries(parsed.profile_kinds).map(([key, k]) => ({
    key: key as ProfileKindKey,
    label: k.label,
    scope: k.scope,
    provides: k.provides,
    location: { file: PROFILE_KINDS_FILE, line: yaml.lines[`profile_kinds.${key}`] ?? 1, lines: yaml.lines },
  }));
}

/** Loads what can be loaded, and every file-level problem. */
export async function readCatalog(root: string): Promise<{ catalog: Catalog; problems: CatalogProblem[] }> {
  const problems: CatalogProblem[] = [];
  const [questionFiles, dashboardFiles] = await Promise.all([
    listFiles(path.join(root, SQL_DIR), [".sql"]),
    listFiles(path.join(root, DASHBOARDS_DIR), [".yaml", ".yml"]),
  ]);
  const [questions, dashboards, collections, profileKinds, notes] = await Promise.all([
    Promise.all(questionFiles.map((f) => loadQuestion(root, f, problems))),
    Promise.all(dashboardFiles.map((f) => loadDashboard(root, f, problems))),
    loadCollections(root, problems),
    loadProfileKinds(root, problems),
    loadNotes(root, problems),
  ]);
  const catalog: Catalog = {
    questions: questions.filter((q): q is Question => q !== null),
    dashboards: dashboards.filter((d): d is Dashboard => d !== null),
    collections,
    profileKinds,
    notes,
  };
  problems.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
  return { catalog, problems };
}

/** Loads the catalog under `root` (the folder holding sql/ and metabase-config/); throws CatalogError. */
export async function loadCatalog(root: string): Promise<Catalog> {
  const { catalog, problems } = await readCatalog(root);
  if (problems.length > 0) throw new CatalogError(problems);
  return catalog;
}
