import { CatalogError } from "./errors.js";
import { readCatalog } from "./load.js";
import type { Catalog, CatalogProblem } from "./types.js";
import { validateCatalog } from "./validate.js";

/**
 * Reads the catalogue under `root` and checks it with every rule of `pilotage validate`, lock contract
 * included (PRODUCT.md §3, invariant 3). Cross-file rules run only on a catalogue whose files all loaded:
 * on a half-loaded one they would report ghosts (a card "without" a question that merely failed to load).
 */
export async function checkCatalog(root: string): Promise<{
  catalog: Catalog;
  problems: CatalogProblem[];
  /** Where the problems come from: the files themselves, or the rules across them. */
  stage: "files" | "rules";
}> {
  const { catalog, problems: loadProblems } = await readCatalog(root);
  return loadProblems.length > 0
    ? { catalog, problems: loadProblems, stage: "files" }
    : { catalog, problems: validateCatalog(catalog), stage: "rules" };
}

/**
 * The catalogue a gateway serves: it renders cards itself (without Metabase, or when Metabase is down),
 * so it refuses to start on one that `pilotage validate` would refuse, rather than trusting it was run.
 */
export async function loadValidCatalog(root: string): Promise<Catalog> {
  const { catalog, problems } = await checkCatalog(root);
  if (problems.length > 0) throw new CatalogError(problems);
  return catalog;
}
