import helmet from "helmet";

export interface SecurityHeaderOptions {
  /** Origin of the Metabase instance, the only site the pages may frame. */
  metabaseOrigin: string | undefined;
  production: boolean;
  /**
   * Origins a form of ours may lead to: ProConnect's, because the login button's form is answered by a
   * redirect to it and browsers apply `form-action` to that redirect too.
   */
  formActionOrigins?: string[];
}

/**
 * A strict CSP: no inline script or style anywhere, frames limited to Metabase, and our own pages never
 * framed (`frame-ancestors 'none'`). The DSFR and the charts are served from our own origin.
 */
export function securityHeaders({
  metabaseOrigin,
  production,
  formActionOrigins = [],
}: SecurityHeaderOptions) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
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
