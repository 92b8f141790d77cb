import fs from "node:fs/promises";
import path from "node:path";
import { PROJECT_ROOT } from "../../../src/project-root.js";

/** Screenshots, the accessibility report and the demo server's log (git-ignored, kept by CI). */
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, "test-artifacts", "browser");

/** "Tableau de bord — 93" → "tableau-de-bord-93", for file names. */
export function slugify(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

let cleared: Promise<void> | undefined;

/** Empties the artifacts folder once per test run, so screenshots of an older run never linger. */
export function artifactsDir(): Promise<string> {
  cleared ??= fs
    .rm(ARTIFACTS_DIR, { recursive: true, force: true })
    .then(() => fs.mkdir(ARTIFACTS_DIR, { recursive: true }))
    .then(() => undefined);
  return cleared.then(() => ARTIFACTS_DIR);
}
