/**
 * A query Metabase refuses, as its query processor reports it: `message` is what the API shows (the innermost
 * exception's message), `wrapped` the message of the exception actually thrown (Metabase wraps value errors in
 * `Error determining value for parameter "x": …` and `Error building query parameter map: …`), `errorType` the
 * `:type` of its ex-data (`qp.error-type`). `unsupported` marks what this test server does not implement, never
 * something Metabase says.
 */
export type NativeErrorType =
  "invalid-query" | "missing-required-parameter" | "invalid-parameter" | "unsupported";

export class NativeQueryError extends Error {
  readonly wrapped: string;

  constructor(
    message: string,
    readonly errorType: NativeErrorType,
    wrapped?: string,
  ) {
    super(message);
    this.name = "NativeQueryError";
    this.wrapped = wrapped ?? message;
  }
}

export function unsupported(what: string): NativeQueryError {
  return new NativeQueryError(`The Metabase test server does not implement ${what}`, "unsupported");
}
