import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The time a request may spend waiting on its dependencies, shared by every call it makes (issue 21):
 * the gateway database, the warehouse, ProConnect. A frozen server cannot enforce a server-side timeout,
 * so the limit lives on this side: each call takes what is left, and the deadline's signal aborts
 * whatever is still in flight when time is up or when the client goes away.
 *
 * It travels with the work in an AsyncLocalStorage rather than as a parameter of every function between
 * a route and a query: the storage layer reads it where the query is sent. Work that must outlive the
 * request (an export's audit rows, written after the client left) runs under a deadline of its own.
 */

export type DeadlineEnd = "expired" | "client_gone";

/** The reason a deadline's signal carries when it aborts. */
export class DeadlineAbort extends Error {
  constructor(readonly end: DeadlineEnd) {
    super(end === "expired" ? "deadline expired" : "client went away");
    this.name = "DeadlineAbort";
  }
}

export interface Deadline {
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Aborts at expiry (reason: DeadlineAbort "expired") or when the client goes away ("client_gone"). */
  readonly signal: AbortSignal;
  /** Milliseconds left, never negative. */
  remainingMs(): number;
  /** Aborts only when the client goes away: for work that takes a deadline of its own (an export). */
  readonly clientGone: AbortSignal | undefined;
}

export interface StartedDeadline extends Deadline {
  /** Stops the timer; the signal no longer aborts for time (a parent's abort still goes through). */
  dispose(): void;
}

const current = new AsyncLocalStorage<Deadline>();

/**
 * A deadline `ms` from now. `parent` links it to another signal (a request's "client gone"): when that
 * aborts, this one aborts with the same reason.
 */
export function startDeadline(ms: number, parent?: AbortSignal): StartedDeadline {
  const timed = timedAbort(ms);
  const onParentAbort = () => timed.controller.abort(parent?.reason);
  if (parent?.aborted) timed.controller.abort(parent.reason);
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  return {
    expiresAt: timed.expiresAt,
    signal: timed.controller.signal,
    clientGone: parent,
    remainingMs: timed.remainingMs,
    dispose() {
      timed.stop();
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/** What every deadline is made of: a controller that aborts ("expired") `ms` from now, unless stopped. */
function timedAbort(ms: number) {
  const controller = new AbortController();
  const expiresAt = Date.now() + ms;
  const timer = setTimeout(() => controller.abort(new DeadlineAbort("expired")), ms);
  timer.unref();
  return {
    controller,
    expiresAt,
    remainingMs: () => Math.max(0, expiresAt - Date.now()),
    stop: () => clearTimeout(timer),
  };
}

/** A request's deadline, told when its client goes away (src/http/deadline.ts). */
export interface RequestDeadline extends StartedDeadline {
  /** The client left before the answer: the signal, and `clientGone` if asked for, abort ("client_gone"). */
  clientWentAway(): void;
}

/**
 * `startDeadline(ms, clientGone)` for a request, lighter on the path every request takes: the signal that
 * aborts only when the client goes away is made when some work asks for it (a page's visit, an export),
 * not for every request — an AbortController and a listener less per request on the hot embed route.
 */
export function startRequestDeadline(ms: number): RequestDeadline {
  const timed = timedAbort(ms);
  let gone: AbortController | undefined;
  let goneReason: DeadlineAbort | undefined;
  return {
    expiresAt: timed.expiresAt,
    signal: timed.controller.signal,
    get clientGone() {
      if (!gone) {
        gone = new AbortController();
        if (goneReason) gone.abort(goneReason);
      }
      return gone.signal;
    },
    remainingMs: timed.remainingMs,
    clientWentAway() {
      if (goneReason) return;
      goneReason = new DeadlineAbort("client_gone");
      gone?.abort(goneReason);
      timed.controller.abort(goneReason);
    },
    dispose: timed.stop,
  };
}

/** The deadline of the work running now, if any. */
export function currentDeadline(): Deadline | undefined {
  return current.getStore();
}

/** Runs `work` (and everything it awaits or schedules) under `deadline`. */
export function runWithDeadline<T>(deadline: Deadline, work: () => T): T {
  return current.run(deadline, work);
}

/** Runs `work` under a fresh deadline of `ms`, disposed when the work settles. */
export async function withDeadline<T>(ms: number, work: () => Promise<T>, parent?: AbortSignal): Promise<T> {
  const deadline = startDeadline(ms, parent);
  try {
    return await runWithDeadline(deadline, work);
  } finally {
    deadline.dispose();
  }
}
