import type { Request } from "express";

/** Whether to answer JSON (the API, or a client that prefers it) rather than a page. */
export function wantsJson(req: Request): boolean {
  return req.originalUrl.startsWith("/api/") || req.accepts(["html", "json"]) === "json";
}
