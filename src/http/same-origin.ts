import type { Request, RequestHandler } from "express";
import { AppError } from "../errors.js";

/**
 * Whether a browser says this request comes from a page of another origin than `publicOrigin` (the
 * origin of PUBLIC_URL). `Sec-Fetch-Site` is written by the browser itself, never by the page, and is
 * trusted first; browsers that do not send it still send `Origin` with every POST. A request with
 * neither is not a browser's form submission (curl, a test client): nobody's cookies ride along with
 * it against their will, so it is not counted as cross-site.
 */
export function isFromAnotherOrigin(req: Request, publicOrigin: string): boolean {
  const fetchSite = req.get("sec-fetch-site");
  if (fetchSite !== undefined) return fetchSite !== "same-origin";
  const origin = req.get("origin");
  if (origin !== undefined) return origin !== publicOrigin;
  return false;
}

class CrossOriginWriteError extends AppError {
  constructor() {
    super(
      403,
      "Cette action n'a pas été faite : elle doit venir d'une page de Pilotage de l'inclusion. Revenez sur le site et recommencez.",
      { code: "cross_origin_refused", link: { href: "/", label: "Revenir à l'accueil" } },
    );
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses every state-changing request (POST and the like) a browser says comes from another origin,
 * before any handler runs: the forms of the gateway carry no CSRF token, and SameSite=Lax alone lets a
 * page on another port or subdomain of the same site post with the person's cookie.
 */
export function refuseCrossOriginWrites(
  publicOrigin: string,
  options: { except?: readonly string[] } = {},
): RequestHandler {
  const except = new Set(options.except ?? []);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || except.has(req.path) || !isFromAnotherOrigin(req, publicOrigin))
      return next();
    req.log?.warn(
      { reason: "cross_origin", secFetchSite: req.get("sec-fetch-site"), origin: req.get("origin") },
      "write refused",
    );
    throw new CrossOriginWriteError();
  };
}
