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
 * A strict CSP: no inline script or style anywhere, frames limited to Metabase, and our own pages never
 * framed (`frame-ancestors 'none'`). The DSFR and the charts are served from our own origin; Matomo's
 * origin is allowed only when it is configured (its script loads only after consent, public/consent.js).
 */
export function securityHeaders({
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
