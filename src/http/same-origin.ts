import type { Request } from "express";

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
