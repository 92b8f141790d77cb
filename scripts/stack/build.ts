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

export function distIsFresh(): boolean {
  const built = path.join(PROJECT_ROOT, "dist", "src", "main.js");
  if (!fs.existsSync(built)) return false;
  const sources = Math.max(
    newestSource(path.join(PROJECT_ROOT, "src")),
    ...["tsconfig.json", "tsconfig.build.json", "package-lock.json"].map(
      (file) => fs.statSync(path.join(PROJECT_ROOT, file)).mtimeMs,
    ),
  );
  return fs.statSync(built).mtimeMs >= sources;
}

export async function ensureDist(): Promise<void> {
  if (distIsFresh()) return;
  const tsc = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsc");
  const result = await runToEnd(tsc, ["-p", "tsconfig.build.json"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    cwd: PROJECT_ROOT,
  });
  if (result.code !== 0) throw new Error(`npm run build failed:\n${result.output}`);
  // tsc leaves an unchanged output file's time alone: mark the build as newer than its sources.
  const now = new Date();
  fs.utimesSync(path.join(PROJECT_ROOT, "dist", "src", "main.js"), now, now);
}
