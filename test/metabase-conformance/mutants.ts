import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * A planted bug: a copy of a folder of TypeScript, with one piece of text replaced, imported on its own. Nothing
 * of this ships: the copy lives in the system's temporary folder for the duration of a test. The text must
 * occur exactly once in the original, so that a refactoring that moves it makes the meta-test fail loudly
 * instead of planting nothing.
 */
export interface Mutation {
  /** What the planted bug does, for the test's title. */
  bug: string;
  /** Path of the file to change, relative to the copied folder. */
  file: string;
  find: string;
  replace: string;
}

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function plantBug<T>(
  folder: string,
  files: readonly string[],
  mutation: Mutation,
  entry: string,
): Promise<{ module: T; dispose(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-mutant-"));
  for (const file of files) {
    const source = await fs.readFile(path.join(ROOT, folder, file), "utf8");
    let text = source;
    if (file === mutation.file) {
      const count = source.split(mutation.find).length - 1;
      if (count !== 1)
        throw new Error(`${folder}/${file}: the planted bug's text occurs ${count} times, not once`);
      text = source.replace(mutation.find, mutation.replace);
    }
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), text);
  }
  const module = (await import(pathToFileURL(path.join(dir, entry)).href)) as T;
  return { module, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
}

export async function filesUnder(folder: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.relative(path.join(ROOT, folder), path.join(e.parentPath, e.name)));
}
