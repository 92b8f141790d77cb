import type { Request, RequestHandler } from "express";
import type { Metrics } from "./metrics.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * Times every request into `httpRequestDuration`, labelled with the route pattern that answered it
 * (`/tableaux-de-bord/:key`), never the URL itself: a dashboard key, a question key or an id in a label
 * would make one series per value. Static files and mounted sub-apps are labelled by their mount point
 * (`/static/dsfr/*`), anything no route answered as `unmatched`, and unknown methods as `OTHER`.
 */
export function recordRequestDurations(metrics: Pick<Metrics, "httpRequestDuration">): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpRequestDuration.startTimer();
    res.once("finish", () => {
      stop({
        route: routePattern(req),
        method: METHODS.has(req.method) ? req.method : "OTHER",
        status: String(res.statusCode),
      });
    });
    next();
  };
}

export function routePattern(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === "string") return `${req.baseUrl}${route}` || "/";
  if (route !== undefined) return `${req.baseUrl}${String(route)}`;
  if (req.baseUrl) return `${req.baseUrl}/*`;
  return "unmatched";
}
