import type { RequestHandler } from "express";
import { DeadlineAbort, runWithDeadline, startDeadline } from "../deadline.js";

/**
 * Gives each request its deadline (REQUEST_DEADLINE_SECONDS), under which every dependency call it
 * makes runs (src/deadline.ts), and aborts that work when the client goes away before the answer: a
 * page's warehouse queries are cancelled rather than left running for nobody.
 */
export function requestDeadline(ms: number): RequestHandler {
  return (_req, res, next) => {
    const gone = new AbortController();
    const deadline = startDeadline(ms, gone.signal);
    res.once("close", () => {
      if (!res.writableFinished) gone.abort(new DeadlineAbort("client_gone"));
      deadline.dispose();
    });
    runWithDeadline(deadline, () => next());
  };
}
