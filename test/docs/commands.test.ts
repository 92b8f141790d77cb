import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import {
  commandsOf,
  docCommandsOf,
  docPages,
  fencedBlocks,
  resolveCommand,
  SHELL_LANGUAGES,
} from "../support/doc-commands.js";

/**
 * Every command of docs/ is either run by a test (which reads it from the page with `docCommand`, so that
 * what the reader copies is what ran) or marked as needing Docker. A block of commands must say it is one
 * (sh, bash, shell, console), so that none escapes the check.
 */
function testFiles(dir = path.join(PROJECT_ROOT, "test")): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** A string literal's value, as the test's source writes it (the few escapes commands use). */
const unescape = (literal: string) => literal.replace(/\\(["'\\])/g, "$1");

/** `docCommand("page", "prefix")` and `runDocCommand("page", "prefix", …)` in the tests: what they run. */
const claims = testFiles()
  .filter((file) => file !== import.meta.filename)
  .flatMap((file) =>
    [
      ...fs
        .readFileSync(file, "utf8")
        .matchAll(/\b(?:docCommand|runDocCommand)\(\s*"([^"]+)",\s*(["'])((?:\\.|(?!\2).)+)\2/g),
    ].map((m) => ({ file: path.relative(PROJECT_ROOT, file), page: m[1]!, prefix: unescape(m[3]!) })),
  );
const commands = docPages().flatMap(docCommandsOf);
const claimed = new Set(claims.flatMap((claim) => resolveCommand(commands, claim.page, claim.prefix)));

/** Words that start a command a reader would type. */
const COMMAND_WORDS =
  /^\s*(\$ )?(npm|npx|node|pilotage|docker|psql|pg_dump|pg_restore|curl|caddy|openssl|cp|export|git)\b/;

describe("commands in docs/", () => {
  it("finds the operator documentation's commands", () => {
    assert.ok(commands.length >= 10, `${commands.length} commands`);
    assert.ok(claims.length >= 5, `${claims.length} commands run by tests`);
  });

  it("runs each command in a test, unless it is marked as needing Docker", () => {
    const unclaimed = commands
      .filter((c) => !c.needsDocker && !claimed.has(c))
      .map((c) => `${c.page}:${c.line} ${c.text}`);
    assert.deepEqual(unclaimed, [], "commands no test runs (run them, or mark their block `needs-docker`)");
  });

  it("has each test's command on its page, once", () => {
    const stale = claims
      .filter((claim) => resolveCommand(commands, claim.page, claim.prefix).length !== 1)
      .map((claim) => `${claim.file}: ${claim.page} « ${claim.prefix} »`);
    assert.deepEqual(stale, []);
  });

  it("tags every block of commands with its shell, so that none escapes this check", () => {
    const untagged = docPages()
      .flatMap(fencedBlocks)
      .filter((block) => !SHELL_LANGUAGES.includes(block.info.split(/\s+/)[0] ?? ""))
      .filter((block) => block.lines.some((line) => COMMAND_WORDS.test(line)))
      .map((block) => `${block.page}:${block.line} (\`\`\`${block.info})`);
    assert.deepEqual(untagged, []);
  });

  it("reads commands as a shell does: continuations joined, comments and output left out", () => {
    const block = {
      page: "x.md",
      line: 1,
      info: "console needs-docker",
      lines: ["# a comment", "$ pg_dump \\", '    --file=x "$DATABASE_URL"  # why', "output line", ""],
    };
    assert.deepEqual(commandsOf(block), [
      { page: "x.md", line: 3, text: 'pg_dump --file=x "$DATABASE_URL"', needsDocker: true },
    ]);
  });
});
