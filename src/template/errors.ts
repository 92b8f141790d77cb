/**
 * What Metabase would answer for the same query, with its exact (English) message, so that the test server
 * can return it verbatim. `code` is Metabase's error type (`invalid-query`, `missing-required-parameter`,
 * `invalid-parameter`), or `unsupported` for a construct this renderer refuses rather than mis-renders.
 */
export type TemplateErrorCode =
  "invalid-query" | "missing-required-parameter" | "invalid-parameter" | "unsupported";

export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  /** The tag the error is about, when there is one. */
  readonly tag: string | undefined;
  /**
   * Metabase wraps value errors twice (`Error building query parameter map: Error determining value for
   * parameter "x": …`); the API surfaces the inner message, which is `message`. This is the wrapped one.
   */
  readonly wrappedMessage: string;

  constructor(message: string, options: { code: TemplateErrorCode; tag?: string; wrappedMessage?: string }) {
    super(message);
    this.name = "TemplateError";
    this.code = options.code;
    this.tag = options.tag;
    this.wrappedMessage = options.wrappedMessage ?? message;
  }
}
