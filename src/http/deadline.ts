import type { RequestHandler } from "express";
import { runWithDeadline, startRequestDeadline } from "../deadline.js";

/**
 * Gives each request its deadline (REQUEST_DEADLINE_SECONDS), under which every dependency call it
 * makes runs (src/deadline.ts), and aborts that work when the client goes away before the answer: a
 * page's warehouse queries are cancelled rather than left running for nobody.
 */
export function requestDeadline(ms: number): RequestHandler {
  return (_req, res, next) => {
    const deadline = startRequestDeadline(ms);
    res.once("close", () => {
      if (!res.writableFinished) deadline.clientWentAway();
      deadline.dispose();
    });
    runWithDeadline(deadline, () => next());
  };
}
