import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { runToEnd } from "./processes.js";

/**
 * The stack runs the compiled gateway, as production does. `npm run build` again only when a source is
 * newer than the build, so that the stack never runs a stale dist/ and a second start costs nothing.
 */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** The compiled entry points the stack runs: the gateway, the CLI (init), the demo provider. */
const ENTRY_POINTS = ["dist/src/main.js", "dist/src/cli/main.js", "dist/src/demo-idp/main.js"].map((file) =>
  path.join(PROJECT_ROOT, file),
);

export function distIsFresh(): boolean {
  if (!ENTRY_POINTS.every((file) => fs.existsSync(file))) return false;
  const sources = Math.max(
    newestSource(path.join(PROJECT_ROOT, "src")),
    ...["tsconfig.json", "tsconfig.build.json", "package-lock.json"].map(
      (file) => fs.statSync(path.join(PROJECT_ROOT, file)).mtimeMs,
    ),
  );
  return Math.min(...ENTRY_POINTS.map((file) => fs.statSync(file).mtimeMs)) >= sources;
}

export async function ensureDist(): Promise<void> {
  if (distIsFresh()) return;
  const tsc = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsc");
  const result = await runToEnd(tsc, ["-p", "tsconfig.build.json"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    cwd: PROJECT_ROOT,
  });
  if (result.code !== 0) throw new Error(`npm run build failed:\n${result.output}`);
  // tsc leaves an unchanged output's time alone: mark the entry points as newer than their sources, as
  // bin/pilotage.js also checks before running dist/.
  const now = new Date();
  for (const file of ENTRY_POINTS) fs.utimesSync(file, now, now);
}
