import { AppError, ClientGoneError, DependencyError } from "../errors.js";
import { failureOf } from "../storage/postgres-limits.js";

/**
 * How an export ends when it cannot end well, shared by the streaming path (Postgres) and the buffered
 * one (the demo's PGlite): before the first byte the route answers it as a JSON error; after it, the
 * transfer is cut (CSV, XLSX) or the document says it is incomplete (JSON).
 */

export type ExportFailure = "row_cap" | "timeout" | "query_failed" | "aborted" | "too_large";

export class ExportError extends AppError {
  constructor(
    readonly reason: ExportFailure,
    message: string,
    cause?: unknown,
  ) {
    super(reason === "query_failed" ? 500 : 422, message, { code: `export_${reason}`, cause });
  }
}

export const UTF8_BOM = "\uFEFF";

export const TIMEOUT_MESSAGE = "La requête a dépassé le temps maximal autorisé : l'export est interrompu.";

export function rowCapError(rowCap: number): ExportError {
  return new ExportError(
    "row_cap",
    `Le résultat dépasse ${rowCap} lignes : affinez les filtres avant d'exporter.`,
  );
}

export function severalStatementsError(): ExportError {
  return new ExportError(
    "query_failed",
    "La question contient plusieurs instructions SQL : elle ne peut pas être exportée.",
  );
}

export function noColumnsError(): ExportError {
  return new ExportError("query_failed", "La question ne renvoie aucune colonne : rien à exporter.");
}

export function abortedError(): ExportError {
  return new ExportError("aborted", "Le téléchargement a été interrompu.");
}

/**
 * An export's failure as the caller sees it: Postgres' query_canceled (57014) is the statement timeout
 * (the question is too heavy: 422); a warehouse that does not answer or went away is a DependencyError
 * (503 with Retry-After, docs/failure-policy.md), never an export refusal; anything else is a failed query.
 */
export function translateExportError(error: unknown): ExportError | DependencyError {
  if (error instanceof ExportError || error instanceof DependencyError) return error;
  if (error instanceof ClientGoneError) return abortedError();
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "57014") return new ExportError("timeout", TIMEOUT_MESSAGE, error);
  const failure = failureOf(error);
  if (failure) return new DependencyError("warehouse", failure, { cause: error });
  return new ExportError("query_failed", "La requête a échoué : l'export est interrompu.", error);
}
