import path from "node:path";
import ejs from "ejs";
import type { Request, Response } from "express";
import { PROJECT_ROOT } from "../project-root.js";

export const VIEWS_DIR = path.join(PROJECT_ROOT, "src/views");

export interface PageLocals {
  /** Page title, shown in <title> and as the page's main heading by most views. */
  title: string;
  [key: string]: unknown;
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
  const data = { ...res.locals, ...locals, requestId: String(req.id ?? ""), currentPath: req.path };
  // Express turns "view cache" on in production: compiled templates are then kept, not re-read per request.
  const cache = req.app.enabled("view cache");
  const body = await ejs.renderFile(path.join(VIEWS_DIR, `${view}.ejs`), data, { async: false, cache });
  const html = await ejs.renderFile(path.join(VIEWS_DIR, "layout.ejs"), { ...data, body }, { cache });
  res.status(status).type("html").send(html);
}
