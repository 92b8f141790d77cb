import { parse, serialize } from "cookie";
import { unsign } from "cookie-signature";
import type { NextFunction, Request, RequestHandler } from "express";
import type session from "express-session";
import { RedisSessionStore } from "../storage/session-store.js";
import type { Config } from "../config.js";
import type { Metrics } from "../metrics/metrics.js";
import { displayNameOf } from "./identity.js";
import { sessionCookie, sessionCookieOptions, sessionStanding } from "./session.js";

/**
 * The session read of the one hot authenticated route, the embed URL's renewal that every open
 * dashboard asks for again and again (issue 20). express-session spends a fifth of that request's CPU
 * on bookkeeping this route never needs: it hashes the whole session three times to learn whether it
 * changed, and signs the cookie again. This handler reads the same cookie from the same store, holds the
 * session to the same rules (`sessionStanding`: a readable user within the absolute lifetime), moves the
 * same idle expiry (the cookie's, and Redis' through the store's own `touch`), and never writes the
 * session, so it can neither resurrect one that a logout or a grant change deleted nor lose a change.
 *
 * It only takes the plain case. Anything else goes on to the full stack (`next("route")`), which answers
 * as for any other route: no cookie, a cookie signed with a previous key (the full stack signs it again
 * with the current one), a bad signature, no stored session, an ended one, a store that fails, a
 * profile to work out again (`accepts`), an insecure request while the cookie must be Secure.
 */
export function leanSession(deps: {
  config: Config;
  store: session.Store;
  /** Whether the rest of the request may run on the stored session as it is. */
  accepts: (req: Request) => boolean;
  /** Counts which path read each session (a rise of `full_stack` after a key rotation is expected). */
  metrics?: Pick<Metrics, "embedSessionReads"> | undefined;
}): RequestHandler {
  const { config, store } = deps;
  const cookie = sessionCookie(config);
  const rolledCookie = rollingCookie(cookie.name, config);
  const idleMs = config.session.idleTimeoutSeconds * 1000;
  const absoluteMs = config.session.absoluteTimeoutSeconds * 1000;
  const signingKey = config.session.secret;
  const verified = new VerifiedCookies(signingKey);

  // Redis' shared read (a session's stored bytes parsed and checked once); the demo's memory store's own.
  const read: RedisSessionStore["getShared"] =
    store instanceof RedisSessionStore ? store.getShared.bind(store) : store.get.bind(store);

  const counted = (path: "lean" | "full_stack") => deps.metrics?.embedSessionReads.inc({ path });
  const fullStack = (next: NextFunction) => {
    counted("full_stack");
    next("route");
  };

  return (req, res, next) => {
    const header = req.headers.cookie;
    const raw = header ? parse(header)[cookie.name] : undefined;
    // Anonymous renewals (public dashboards) are no session read: not counted.
    if (!raw) return next("route");
    const sid = verified.sidOf(raw);
    if (!sid || (cookie.secure && !req.secure)) return fullStack(next);
    read(sid, (error, shared) => {
      if (error || !shared || typeof shared.cookie !== "object" || shared.cookie === null)
        return fullStack(next);
      // This request's own copy and cookie: createSession turns `cookie` into express-session's Cookie,
      // while the objects under the copy may be shared with other requests (frozen by the store).
      const data = { ...shared, cookie: { ...shared.cookie } } as session.SessionData;
      let rolled: string;
      try {
        const standing = sessionStanding(data.user, absoluteMs);
        if ("ended" in standing) return fullStack(next);
        // express-session gives the store its `generate` when sessionMiddleware is built over it (app.ts).
        req.sessionStore = store as Request["sessionStore"];
        req.sessionID = sid;
        store.createSession(req, data);
        if (!deps.accepts(req)) {
          // Left as the full stack expects to find it: express-session loads no session over one it finds.
          forget(req);
          return fullStack(next);
        }
        req.session.cookie.maxAge = Math.min(idleMs, standing.remainingMs);
        res.locals.sessionCookie = cookie;
        res.locals.user = { displayName: displayNameOf(standing.user) };
        // The value express-session would send: the same id under the same key, so the same signature.
        const expires = req.session.cookie.expires;
        // Set with the maxAge above; express-session would send no Expires without one, nor would this.
        if (!expires) throw new Error("session cookie without an expiry after its maxAge was set");
        rolled = rolledCookie(raw, expires);
      } catch (failure) {
        // Inside a store's callback, a throw would escape Express (express-session catches it too).
        forget(req);
        return next(failure);
      }
      // Sent only once the store has taken the new expiry, as express-session does (none on its failure).
      counted("lean");
      const roll = (touchError?: unknown) => {
        if (!touchError) res.setHeader("Set-Cookie", rolled);
        next(touchError);
      };
      // `data.cookie` is the session's own cookie, the expiry just set (RedisSessionStore reads its maxAge).
      if (!store.touch) return roll();
      store.touch(sid, data, roll);
    });
  };
}

/**
 * The Set-Cookie header express-session sends for the session cookie (its `data`: an Expires, no
 * Max-Age), as `cookie.serialize` writes it, from a template made once by `serialize` itself: the value
 * and the expiry are the only parts that change, and the value is encoded as serialize encodes it.
 */
function rollingCookie(name: string, config: Config): (value: string, expires: Date) => string {
  const { maxAge: _idle, ...attributes } = sessionCookieOptions(config);
  const VALUE = "VALUE";
  const EPOCH = new Date(0);
  const sample = serialize(name, VALUE, { ...attributes, expires: EPOCH });
  const at = sample.indexOf(`=${VALUE};`) + 1;
  const dateAt = sample.indexOf(EPOCH.toUTCString());
  if (at <= 0 || dateAt < at) throw new Error(`unexpected session cookie layout: ${sample}`);
  const head = sample.slice(0, at);
  const middle = sample.slice(at + VALUE.length, dateAt);
  const tail = sample.slice(dateAt + EPOCH.toUTCString().length);
  return (value, expires) => `${head}${encodeURIComponent(value)}${middle}${expires.toUTCString()}${tail}`;
}

function forget(req: Request): void {
  delete (req as Partial<Request>).session;
  delete (req as Partial<Request>).sessionID;
  delete (req as Partial<Request>).sessionStore;
}

/**
 * Session cookies whose signature under the current key was checked already, with their session id:
 * the check is the same HMAC for the same value, so its answer can be kept. Bounded; emptied when full.
 */
class VerifiedCookies {
  private readonly known = new Map<string, string>();
  constructor(
    private readonly key: string,
    private readonly limit = 10_000,
  ) {}

  sidOf(raw: string): string | undefined {
    const known = this.known.get(raw);
    if (known !== undefined) return known;
    if (!raw.startsWith("s:")) return undefined;
    const sid = unsign(raw.slice(2), this.key);
    if (sid === false) return undefined;
    if (this.known.size >= this.limit) this.known.clear();
    this.known.set(raw, sid);
    return sid;
  }
}
