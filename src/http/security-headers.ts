import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet from "helmet";

export interface SecurityHeaderOptions {
  /** Origin of the Metabase instance, the only site the pages may frame. */
  metabaseOrigin: string | undefined;
  /** Origin of Matomo when audience measurement is configured: its script and its tracking requests. */
  matomoOrigin?: string | undefined;
  production: boolean;
  /**
   * Origins a form of ours may lead to: ProConnect's, because the login button's form is answered by a
   * redirect to it and browsers apply `form-action` to that redirect too.
   */
  formActionOrigins?: string[];
}

/**
 * The security headers of every answer, as helmet writes them for `options` (`helmetHeaders`), recorded
 * once at start-up and replayed: the same headers and values, without helmet's dozen middleware calls and
 * its CSP serialisation at each request — a measurable part of the embed renewal, the hottest route
 * (issue 20). `test/http/security-headers.test.ts` compares the two, header for header.
 */
export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  return fixedHeaders(recordFixedHeaders(helmetHeaders(options)));
}

/**
 * A strict CSP: no inline script or style anywhere, frames limited to Metabase, and our own pages never
 * framed (`frame-ancestors 'none'`). The DSFR and the charts are served from our own origin; Matomo's
 * origin is allowed only when it is configured (its script loads only after consent, public/consent.js).
 */
export function helmetHeaders({
  metabaseOrigin,
  matomoOrigin,
  production,
  formActionOrigins = [],
}: SecurityHeaderOptions) {
  const matomo = matomoOrigin ? [matomoOrigin] : [];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...matomo],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:", ...matomo],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...matomo],
        frameSrc: metabaseOrigin ? [metabaseOrigin] : ["'none'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'", ...formActionOrigins],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: production ? { maxAge: 63072000, includeSubDomains: true } : false,
    referrerPolicy: { policy: "same-origin" },
    crossOriginEmbedderPolicy: false,
  });
}

/** What a header middleware does to every response, recorded once: the headers it sets, those it removes. */
export interface FixedHeaders {
  set: ReadonlyArray<readonly [name: string, value: string]>;
  removed: readonly string[];
}

/**
 * Runs a header middleware (helmet above) once against a recording response: the headers it set, in
 * order, and those it removed, for `fixedHeaders` to replay.
 *
 * Sound only for a middleware whose output depends on neither the request nor the response (no CSP nonce,
 * no function directive): ours are built from the configuration alone. One that does not answer at once
 * or calls next with an error stops the start-up rather than being replayed wrongly.
 */
export function recordFixedHeaders(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void,
): FixedHeaders {
  const set = new Map<string, readonly [string, string]>();
  const removed = new Set<string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== "string") throw new Error(`header ${name}: not a fixed string`);
      set.set(name.toLowerCase(), [name, value]);
      removed.delete(name.toLowerCase());
      return recorder;
    },
    removeHeader(name: string) {
      set.delete(name.toLowerCase());
      removed.add(name.toLowerCase());
    },
    getHeader: () => undefined,
  };
  let finished = false;
  middleware({ headers: {}, method: "GET", url: "/" } as IncomingMessage, recorder as never, (error) => {
    if (error) throw error instanceof Error ? error : new Error(String(error));
    finished = true;
  });
  if (!finished)
    throw new Error("the security headers' middleware did not answer at once: it cannot be replayed");
  return { set: [...set.values()], removed: [...removed] };
}

/** The middleware replaying recorded headers (see `recordFixedHeaders`). */
export function fixedHeaders({ set, removed }: FixedHeaders): RequestHandler {
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}
