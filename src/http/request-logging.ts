import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logging.js";

declare module "http" {
  interface IncomingMessage {
    /** The request's id, sent as `X-Request-Id` and shown on error pages. */
    id: string;
    /** A logger that stamps the request (id, method, path) on each line. */
    log: Logger;
  }
}

type Level = "error" | "warn" | "info";

/**
 * Gives every request an id (shown on error pages and sent as `X-Request-Id`), a logger that stamps it on
 * each line, and one line when the response is sent (its status and duration). Only the method and the
 * path are logged: never headers, cookies or the query string.
 *
 * The request's logger is made on first use, not for every request: a child logger runs the redaction of
 * its bindings (src/logging.ts) when it is made, about 40 µs, which most requests never need. The closing
 * line goes through the logger itself, and only at a level it writes.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = randomUUID();
    req.id = id;
    res.setHeader("X-Request-Id", id);
    const summary = { id, method: req.method, path: (req.url ?? "").split("?")[0] };
    let child: Logger | undefined;
    Object.defineProperty(req, "log", {
      configurable: true,
      enumerable: false,
      get: () => (child ??= logger.isLevelEnabled("fatal") ? logger.child({ req: summary }) : logger),
      set: (value: Logger) => (child = value),
    });
    if (summary.path === "/healthz" || summary.path === "/readyz") return next();

    const started = performance.now();
    const done = (aborted: boolean) => {
      res.off("finish", finished);
      res.off("close", closed);
      const level: Level = aborted
        ? "warn"
        : res.statusCode >= 500
          ? "error"
          : res.statusCode >= 400
            ? "warn"
            : "info";
      if (!logger.isLevelEnabled(level)) return;
      const line = {
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      const message = aborted ? "request aborted" : "request completed";
      if (child) child[level](line, message);
      else logger[level]({ req: summary, ...line }, message);
    };
    const finished = () => done(false);
    const closed = () => done(!res.writableFinished);
    res.once("finish", finished);
    res.once("close", closed);
    next();
  };
}
