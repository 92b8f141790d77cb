import path from "node:path";
import ejs from "ejs";
import type { Request, Response } from "express";
import { PROJECT_ROOT } from "../project-root.js";

export const VIEWS_DIR = path.join(PROJECT_ROOT, "src/views");

/** One problem of a form shown again: `field` names the control (views turn it into its id). */
export interface FormError {
  field?: string;
  message: string;
}

export interface PageLocals {
  /** Page title, shown in <title> and as the page's main heading by most views. */
  title: string;
  /** A form shown again with what to fix; the views list them with partials/error-summary.ejs. */
  errors?: readonly FormError[];
  [key: string]: unknown;
}

/**
 * The document's <title>: a form shown again with errors says so first (RGAA 8.6), so a screen-reader
 * user hears that the page did not go through before anything else. The heading stays the page's own.
 */
export function documentTitle(locals: PageLocals): string {
  return locals.errors && locals.errors.length > 0 ? `Erreur : ${locals.title}` : locals.title;
}

/**
 * Renders a view inside the DSFR layout. Views are EJS files under src/views; the layout receives the
 * page body, the request id, and whatever the session middleware exposed in `res.locals`.
 */
export async function renderPage(
  req: Request,
  res: Response,
  view: string,
  locals: PageLocals,
  status = 200,
): Promise<void> {
  const data = {
    errors: [],
    ...res.locals,
    ...locals,
    documentTitle: documentTitle(locals),
    requestId: String(req.id ?? ""),
    // The whole path: under a router mounted on a prefix (/admin), req.path alone drops the prefix.
    currentPath: req.baseUrl + req.path,
    // The route, not the address (/notes/:key): what audience measurement may learn of the page.
    pageRoute: typeof req.route?.path === "string" ? req.baseUrl + req.route.path : "/erreur",
  };
  // Express turns "view cache" on in production: compiled templates are then kept, not re-read per request.
  const cache = req.app.enabled("view cache");
  const body = await ejs.renderFile(path.join(VIEWS_DIR, `${view}.ejs`), data, { async: false, cache });
  const html = await ejs.renderFile(path.join(VIEWS_DIR, "layout.ejs"), { ...data, body }, { cache });
  res.status(status).type("html").send(html);
}
