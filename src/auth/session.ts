import type { Request, RequestHandler, Response } from "express";
import session from "express-session";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import { UnauthenticatedError } from "../errors.js";
import { wantsJson } from "../http/negotiation.js";
import type { Logger } from "../logging.js";
import { RedisSessionStore } from "../storage/session-store.js";
import { displayNameOf, SessionUser } from "./identity.js";
import { checkedPerObject } from "../checked-per-object.js";
import type { LoginTransaction } from "./proconnect.js";

declare module "express-session" {
  interface SessionData {
    /** The logged-in person; read it through getSessionUser / requireSessionUser. */
    user: SessionUser;
    /** ProConnect artefacts that never leave the server. */
    proconnect: { idToken: string };
    /** An authorization request in flight; single use, deleted by the callback whatever happens. */
    login: LoginTransaction & { returnTo: string; startedAt: number };
    /** A logout in flight at ProConnect: the `state` its return must carry. */
    logout: { state: string };
  }
}

export const SESSION_COOKIE_NAME = "pilotage.sid";

export interface SessionCookie {
  name: string;
  secure: boolean;
}

/**
 * In production the cookie is `__Host-pilotage.sid`: browsers accept a `__Host-` cookie only if it is
 * Secure, on `Path=/` and without `Domain`, so a sibling subdomain (or a plain-http page of the same
 * host) can neither plant a session id nor overwrite ours. Outside production the demo runs on
 * http://localhost, where a Secure cookie would not come back: the plain name.
 */
export function sessionCookie(config: Pick<Config, "env">): SessionCookie {
  const production = config.env === "production";
  return { name: production ? `__Host-${SESSION_COOKIE_NAME}` : SESSION_COOKIE_NAME, secure: production };
}
/** Lifetime of a session that only holds a login or logout in flight. */
export const TRANSACTION_TTL_MS = 10 * 60 * 1000;
/** The idle expiry in Redis moves at most this often (and at most every tenth of the idle timeout). */
const TOUCH_AFTER_MAX_MS = 60 * 1000;

/** Where sessions are kept: Redis, or memory without REDIS_URL (the demo). One per application. */
export function createSessionStore(deps: { config: Config; redis: Redis | undefined }): session.Store {
  const idleMs = deps.config.session.idleTimeoutSeconds * 1000;
  return deps.redis
    ? new RedisSessionStore(deps.redis, idleMs, Math.min(TOUCH_AFTER_MAX_MS, Math.floor(idleMs / 10)))
    : new session.MemoryStore();
}

/** The session cookie's attributes, as express-session writes them (src/auth/lean-session.ts writes the same). */
export function sessionCookieOptions(config: Pick<Config, "env" | "session">) {
  return {
    httpOnly: true,
    sameSite: "lax",
    // Behind the TLS-terminating proxy, express-session sends it only if `trust proxy` (TRUST_PROXY)
    // lets it see X-Forwarded-Proto: https; production refuses to start without it.
    secure: sessionCookie(config).secure,
    path: "/",
    maxAge: config.session.idleTimeoutSeconds * 1000,
  } as const;
}

/**
 * express-session in Redis (in memory only without REDIS_URL, i.e. in the demo): nothing is stored for
 * anonymous visitors; the cookie is HttpOnly, SameSite=Lax (it must come back on ProConnect's
 * cross-site redirect) and Secure in production. Each request pushes the idle expiry back (in Redis,
 * once a minute at most: see RedisSessionStore); the absolute lifetime counts from the login and is
 * enforced by `enforceSessionLifetime`.
 */
export function sessionMiddleware(deps: {
  config: Config;
  redis: Redis | undefined;
  /** Shared with the lean session read of the embed API (src/auth/lean-session.ts); made here when absent. */
  store?: session.Store;
}): RequestHandler {
  const { config } = deps;
  const cookie = sessionCookie(config);
  const handler = session({
    name: cookie.name,
    // The first key signs; every key verifies, so a rotation logs nobody out (docs/operations/secrets.md).
    secret: [config.session.secret, ...config.session.previousSecrets],
    store: deps.store ?? createSessionStore(deps),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: "destroy",
    cookie: sessionCookieOptions(config),
  });
  // A session Redis could not read (a 503 follows) must survive the request: with `unset: "destroy"`,
  // express-session deletes the stored session of any request that ends without one, and would log the
  // person out the moment Redis answers again.
  return (req, res, next) => {
    // endSession clears the cookie under the same name and attributes (a `__Host-` one needs Secure).
    res.locals.sessionCookie = cookie;
    return handler(req, res, (error?: unknown) => {
      if (error) req.sessionID = "";
      next(error);
    });
  };
}

/**
 * Whether a stored session may still act: its user readable by this version, within its absolute
 * lifetime. How long it may still live, from now (the cookie's and Redis' expiry never go past it).
 */
export function sessionStanding(
  stored: unknown,
  absoluteMs: number,
  now = Date.now(),
): { user: SessionUser; remainingMs: number } | { ended: "absolute_lifetime" | "unreadable_session" } {
  const user = readableUser(stored);
  if (!user) return { ended: "unreadable_session" };
  const remainingMs = user.loginAt + absoluteMs - now;
  return remainingMs > 0 ? { user, remainingMs } : { ended: "absolute_lifetime" };
}

/**
 * The stored user checked against this version's schema, once per object: the embed renewal's lean read
 * gets the same frozen object for as long as the stored session does not change (RedisSessionStore's
 * `getShared`); every other read parses the session anew, and so checks it anew.
 */
const readableUser = checkedPerObject(SessionUser);

/**
 * Ends sessions past their absolute lifetime or holding a user this version cannot read, keeps the
 * cookie and Redis expiry within that lifetime, and exposes the person's name to the page layout.
 */
export function enforceSessionLifetime(deps: { config: Config; logger: Logger }): RequestHandler {
  const idleMs = deps.config.session.idleTimeoutSeconds * 1000;
  const absoluteMs = deps.config.session.absoluteTimeoutSeconds * 1000;
  return async (req, res, next) => {
    const stored = req.session?.user;
    if (stored === undefined) return next();
    const standing = sessionStanding(stored, absoluteMs);
    if ("ended" in standing) {
      (req.log ?? deps.logger).info({ reason: standing.ended }, "session ended");
      // A fresh session, so that what follows (a new login, say) still has one to write to.
      await restartSession(req, res);
      return next();
    }
    req.session.cookie.maxAge = Math.min(idleMs, standing.remainingMs);
    res.locals.user = { displayName: displayNameOf(standing.user) };
    next();
  };
}

/** The logged-in person, or undefined. */
export function getSessionUser(req: Request): SessionUser | undefined {
  return req.session?.user;
}

/** The logged-in person; throws UnauthenticatedError (401) when there is none. */
export function requireSessionUser(req: Request): SessionUser {
  const user = getSessionUser(req);
  if (!user) throw new UnauthenticatedError();
  return user;
}

/**
 * Guards a router or a route: 401 JSON for the API, a redirect to the login page (coming back here
 * afterwards) for pages.
 */
export const requireUser: RequestHandler = (req, res, next) => {
  if (getSessionUser(req)) return next();
  if (wantsJson(req) || req.method !== "GET") throw new UnauthenticatedError();
  redirectToLogin(req, res);
};

/** To the login page, coming back to this page afterwards. */
function redirectToLogin(req: Request, res: Response): void {
  res.redirect(303, `/connexion?retour=${encodeURIComponent(req.originalUrl)}`);
}

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error) => (error ? reject(error) : resolve())),
  );
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

/**
 * Deletes the session from the store and tells the browser to drop its cookie. `req.session` is then
 * undefined for the rest of the request: nothing is stored again unless `restartSession` is called.
 */
export async function endSession(req: Request, res: Response): Promise<void> {
  if (req.session) {
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((error) => (error ? reject(error) : resolve())),
    );
  }
  const cookie: SessionCookie = res.locals.sessionCookie ?? sessionCookie({ env: "development" });
  res.clearCookie(cookie.name, { path: "/", httpOnly: true, sameSite: "lax", secure: cookie.secure });
  delete res.locals.user;
}

/** Ends the session and starts an empty one under a new id (stored, with a new cookie, at the end of the request). */
export async function restartSession(req: Request, res: Response): Promise<void> {
  await endSession(req, res);
  req.sessionStore.generate(req);
}
