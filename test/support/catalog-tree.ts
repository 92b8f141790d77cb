import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";

/**
 * A throw-away catalogue folder: the repository's profile kinds and collections (unless `withConfig` is
 * false) plus `files`, keyed by their path in the catalogue (`sql/…`, `metabase-config/…`).
 */
export async function catalogTree(
  files: Record<string, string>,
  { withConfig = true } = {},
): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-catalog-"));
  if (withConfig) {
    await fs.mkdir(path.join(root, "metabase-config"), { recursive: true });
    for (const f of ["profile-kinds.yaml", "collections.yaml"]) {
      await fs.copyFile(path.join(PROJECT_ROOT, "metabase-config", f), path.join(root, "metabase-config", f));
    }
  }
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(path.join(root, name), text);
  }
  return root;
}
