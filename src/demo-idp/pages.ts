import path from "node:path";
import ejs from "ejs";
import { VIEWS_DIR } from "../http/render.js";

/**
 * The demo provider's own pages (login, logout confirmation, errors): another site than the gateway,
 * with its own small DSFR layout. No inline script or style, so they also work under the gateway's CSP
 * when `npm run demo` mounts the provider in-process.
 */
export async function renderIdpPage(
  basePath: string,
  view: "login" | "logout" | "logged-out" | "error",
  locals: { title: string; [key: string]: unknown },
): Promise<string> {
  const data = { ...locals, basePath };
  const body = await ejs.renderFile(path.join(VIEWS_DIR, "demo-idp", `${view}.ejs`), data);
  return ejs.renderFile(path.join(VIEWS_DIR, "demo-idp", "layout.ejs"), { ...data, body });
}
