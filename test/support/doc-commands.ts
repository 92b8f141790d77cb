import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";

/**
 * The shell commands of docs/ (fenced blocks tagged sh, bash, shell or console), so that a test runs the
 * very text a reader copies. A block whose info string says `needs-docker` holds commands that only run
 * where Docker does (never here); test/docs/commands.test.ts checks that every other command is run by
 * a test, through `docCommand`.
 */
export const SHELL_LANGUAGES = ["sh", "bash", "shell", "console"];
export const DOCKER_MARK = "needs-docker";

export interface DocCommand {
  /** The page, relative to the repository (docs/operations/backup.md). */
  page: string;
  line: number;
  /** The command, continuation lines joined, without a `$ ` prompt. */
  text: string;
  needsDocker: boolean;
}

export interface FencedBlock {
  page: string;
  line: number;
  info: string;
  lines: string[];
}

export function docPages(dir = path.join(PROJECT_ROOT, "docs")): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return docPages(full);
    return entry.name.endsWith(".md") ? [path.relative(PROJECT_ROOT, full)] : [];
  });
}

export function fencedBlocks(page: string): FencedBlock[] {
  const lines = fs.readFileSync(path.join(PROJECT_ROOT, page), "utf8").split("\n");
  const blocks: FencedBlock[] = [];
  let open: FencedBlock | undefined;
  lines.forEach((line, index) => {
    const fence = /^(\s*)(```+|~~~+)\s*(.*)$/.exec(line);
    if (fence && !open) open = { page, line: index + 1, info: fence[3]!.trim(), lines: [] };
    else if (fence && open) {
      blocks.push(open);
      open = undefined;
    } else if (open) open.lines.push(line);
  });
  return blocks;
}

export function commandsOf(block: FencedBlock): DocCommand[] {
  const [language = "", ...marks] = block.info.split(/\s+/);
  if (!SHELL_LANGUAGES.includes(language)) return [];
  const commands: DocCommand[] = [];
  let pending: { line: number; parts: string[] } | undefined;
  block.lines.forEach((raw, index) => {
    const line = language === "console" ? raw.replace(/^\$ /, "") : raw;
    if (!pending && (line.trim() === "" || line.trim().startsWith("#"))) return;
    if (language === "console" && !pending && !raw.startsWith("$ ")) return; // output, not a command
    pending ??= { line: block.line + 1 + index, parts: [] };
    const continued = /\\\s*$/.test(line);
    pending.parts.push(line.replace(/\\\s*$/, "").trim());
    if (!continued) {
      commands.push({
        page: block.page,
        line: pending.line,
        text: pending.parts.join(" ").replace(/\s+#\s.*$/, ""),
        needsDocker: marks.includes(DOCKER_MARK),
      });
      pending = undefined;
    }
  });
  return commands;
}

export function docCommandsOf(page: string): DocCommand[] {
  return fencedBlocks(page).flatMap(commandsOf);
}

/**
 * The commands of a page a test names by `prefix`: the one equal to it if there is one, else those that
 * start with it (Docker's excepted).
 */
export function resolveCommand(commands: readonly DocCommand[], page: string, prefix: string): DocCommand[] {
  const runnable = commands.filter((c) => c.page === page && !c.needsDocker);
  const exact = runnable.filter((c) => c.text === prefix);
  return exact.length > 0 ? exact : runnable.filter((c) => c.text.startsWith(prefix));
}

/**
 * The one command of `page` named by `prefix` (see resolveCommand), for a test to run as written. Throws
 * when there is none or several: the test and the page must agree.
 */
export function docCommand(page: string, prefix: string): string {
  const found = resolveCommand(docCommandsOf(page), page, prefix);
  if (found.length !== 1) {
    throw new Error(`${page} has ${found.length} commands named by « ${prefix} » (expected one)`);
  }
  return found[0]!.text;
}
