import { randomUUID } from "node:crypto";
import { IncomingMessage } from "node:http";
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

/** What the request's lazy logger is made of, kept on the request under a symbol. */
interface RequestLog {
  logger: Logger;
  summary: { id: string; method: string | undefined; path: string | undefined };
  child?: Logger;
}
const REQUEST_LOG = Symbol("pilotage.requestLog");
type LoggedRequest = IncomingMessage & { [REQUEST_LOG]?: RequestLog };

/**
 * `req.log`, one accessor on the prototype of every request rather than one defined on each request:
 * an accessor added to an object per request changes its shape, and V8 then reads every property of
 * that request (headers, session, route…) more slowly for the rest of its life — measured at tens of
 * microseconds per request on the embed renewal (issue 20). Before `requestLogging` has run (or outside
 * Express) there is no request logger: undefined, as before.
 */
Object.defineProperty(IncomingMessage.prototype, "log", {
  configurable: true,
  enumerable: false,
  get(this: LoggedRequest): Logger | undefined {
    const state = this[REQUEST_LOG];
    if (!state) return undefined;
    return (state.child ??= state.logger.isLevelEnabled("fatal")
      ? state.logger.child({ req: state.summary })
      : state.logger);
  },
  set(this: LoggedRequest, value: Logger) {
    const state = this[REQUEST_LOG];
    if (state) state.child = value;
    else
      this[REQUEST_LOG] = {
        logger: value,
        summary: { id: "", method: undefined, path: undefined },
        child: value,
      };
  },
});

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
    const state: RequestLog = { logger, summary };
    (req as LoggedRequest)[REQUEST_LOG] = state;
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
      if (state.child) state.child[level](line, message);
      else logger[level]({ req: summary, ...line }, message);
    };
    const finished = () => done(false);
    const closed = () => done(!res.writableFinished);
    res.once("finish", finished);
    res.once("close", closed);
    next();
  };
}
