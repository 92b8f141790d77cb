import fs from "node:fs";
import path from "node:path";

/**
 * The folder holding package.json, found by walking up from this file, so that views, static files,
 * migrations and content resolve the same way from src/ (tsx) and from dist/src/ (compiled).
 */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(import.meta.dirname);
