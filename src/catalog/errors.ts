import { AppError } from "../errors.js";
import { countOf } from "../french-plural.js";
import type { CatalogProblem } from "./types.js";

/** The catalog could not be loaded; `problems` lists every file-level error at once. */
export class CatalogError extends AppError {
  constructor(readonly problems: CatalogProblem[]) {
    super(
      500,
      `Le catalogue (sql/, metabase-config/) contient ${countOf(problems.length, "erreur", "erreurs")}.`,
      {
        code: "catalog_invalid",
        details: { problems },
      },
    );
  }
}
