/**
 * How Metabase shapes an error (metabase-contract.md §2.2, `server/middleware/exceptions.clj`): an
 * exception carrying only a status code answers its message as a plain-text body; one carrying extra data
 * answers JSON. Every route of the test server throws one of these; one middleware writes it.
 */
export class MetabaseError extends Error {
  constructor(
    readonly status: number,
    readonly body: string | Record<string, unknown>,
  ) {
    super(typeof body === "string" ? body : String(body.message ?? JSON.stringify(body)));
    this.name = "MetabaseError";
  }
}

/** `api/check` with `[status message]`: a plain-text body. */
export function plainError(status: number, message: string): MetabaseError {
  return new MetabaseError(status, message);
}

export const NOT_FOUND = "Not found.";
export const FORBIDDEN = "You don't have permissions to do that.";
export const UNAUTHENTICATED = "Unauthenticated";

export function notFound(): MetabaseError {
  return plainError(404, NOT_FOUND);
}

export function forbidden(): MetabaseError {
  return plainError(403, FORBIDDEN);
}

/** `api/check-not-archived`: a 404 whose ex-data carries `error_code`, hence a JSON body. */
export function archivedError(): MetabaseError {
  return new MetabaseError(404, { message: "The object has been archived.", error_code: "archived" });
}

/**
 * A request-schema failure, as Metabase's endpoint macros answer it: 400 with `errors` (one readable line per
 * parameter) and `specific-errors` (the details).
 */
export function schemaError(
  errors: Record<string, string>,
  specific: Record<string, string[]> = {},
): MetabaseError {
  const specificErrors = Object.fromEntries(
    Object.entries(errors).map(([key, message]) => [key, specific[key] ?? [message]]),
  );
  return new MetabaseError(400, { errors, "specific-errors": specificErrors });
}
