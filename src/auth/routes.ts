import { randomBytes, timingSafeEqual } from "node:crypto";
import express, { Router, type Request } from "express";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Config } from "../config.js";
import { UnauthenticatedError } from "../errors.js";
import { rateLimit } from "../http/rate-limit.js";
import { renderPage } from "../http/render.js";
import { isFromAnotherOrigin } from "../http/same-origin.js";
import type { Logger } from "../logging.js";
import { LoginRefusedError, loginRefusals } from "./errors.js";
import { displayNameOf, type SessionUser } from "./identity.js";
import { createProConnect, type ProConnect, type RefusalWithDetail } from "./proconnect.js";
import {
  endSession,
  getSessionUser,
  regenerateSession,
  restartSession,
  saveSession,
  TRANSACTION_TTL_MS,
} from "./session.js";

export const LOGIN_PATH = "/connexion";
export const CALLBACK_PATH = "/connexion/callback";
export const LOGOUT_PATH = "/deconnexion";
export const LOGOUT_CALLBACK_PATH = "/deconnexion/callback";

/** The two URLs registered at ProConnect for this gateway; built from PUBLIC_URL only. */
export function proconnectRedirectUris(publicUrl: string): {
  redirectUri: string;
  postLogoutRedirectUri: string;
} {
  return {
    redirectUri: `${publicUrl}${CALLBACK_PATH}`,
    postLogoutRedirectUri: `${publicUrl}${LOGOUT_CALLBACK_PATH}`,
  };
}

/**
 * Runs after a successful login, once the session holds the new user and before it is saved and the
 * browser redirected: the place to compute and store what the rest of the gateway needs (a profile, a
 * perimeter). Throwing refuses the login: the session is ended and the error page shown.
 */
export type OnLogin = (user: SessionUser, req: Request) => void | Promise<void>;

export interface AuthRouterDeps {
  config: Config;
  logger: Logger;
  redis: Redis | undefined;
  onLogin?: OnLogin;
  /** Adds the person's profile (issue 6) to `/api/me`. */
  describeProfile?: (req: Request) => Record<string, unknown>;
  /** Tells the login page that the in-process demo provider answers (npm run demo). */
  demoProvider?: boolean;
}

const ReturnTo = z
  .string()
  // Only a path of this site: never `//host`, `/\host` or a full URL (open redirect).
  .regex(/^\/(?![/\\])[^\s]*$/)
  .max(2000);

function returnToOf(value: unknown): string {
  const parsed = ReturnTo.safeParse(value);
  return parsed.success && !parsed.data.startsWith(LOGIN_PATH) ? parsed.data : "/";
}

/** The `state` of a ProConnect return; "" when missing or repeated (never equal to a stored one). */
function stateOf(req: Request): string {
  return typeof req.query.state === "string" ? req.query.state : "";
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * /connexion (the ProConnect button), ProConnect's callback, /deconnexion (its page on GET, the
 * logout on POST) and ProConnect's return, and /api/me. The session middleware must be mounted
 * before this router.
 */
export function authRouter(deps: AuthRouterDeps): Router {
  const { config } = deps;
  const { publicUrl } = config.http;
  const publicOrigin = new URL(publicUrl).origin;
  const { issuer, clientSecret } = config.proconnect;
  const proconnect: ProConnect | undefined =
    issuer && clientSecret
      ? createProConnect({
          issuer,
          clientId: config.proconnect.clientId,
          clientSecret,
          scopes: config.proconnect.scopes,
          minAcr: config.proconnect.minAcr,
          signingAlg: config.proconnect.signingAlg,
          ...proconnectRedirectUris(publicUrl),
        })
      : undefined;
  const requireProConnect = (): ProConnect => {
    if (!proconnect) throw loginRefusals.notConfigured();
    return proconnect;
  };
  const limit = (name: string) =>
    rateLimit({ name, points: config.loginRateLimitPerMinute, windowSeconds: 60, redis: deps.redis });

  const router = Router();
  const noStore: express.RequestHandler = (_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  };
  router.use([LOGIN_PATH, LOGOUT_PATH, "/api/me"], noStore);

  router.get(LOGIN_PATH, async (req, res) => {
    const returnTo = returnToOf(req.query.retour);
    if (getSessionUser(req)) return res.redirect(303, returnTo);
    await renderPage(req, res, "auth/login", {
      title: "Se connecter",
      returnTo,
      demoProvider: deps.demoProvider === true,
    });
  });

  // No CSRF token here: a forged post only sends the person to ProConnect, and the callback accepts
  // nothing but the answer to the state stored in this browser's own session.
  router.post(
    LOGIN_PATH,
    limit("login-start"),
    express.urlencoded({ extended: false, limit: "4kb" }),
    async (req, res) => {
      const { url, transaction } = await requireProConnect().startLogin();
      req.session.login = { ...transaction, returnTo: returnToOf(req.body?.retour), startedAt: Date.now() };
      if (!getSessionUser(req)) req.session.cookie.maxAge = TRANSACTION_TTL_MS;
      await saveSession(req);
      res.redirect(303, url.href);
    },
  );

  router.get(CALLBACK_PATH, limit("login-callback"), async (req, res) => {
    const transaction = req.session.login;
    const log = req.log ?? deps.logger;
    // A logged-in person's session changes only on the answer to a login this browser started: a link
    // from another site to this URL (logout CSRF) is refused before anything is touched.
    if (getSessionUser(req) && !(transaction && sameSecret(transaction.state, stateOf(req)))) {
      log.warn({ reason: "login_callback_ignored" }, "login refused");
      throw loginRefusals.callbackIgnored();
    }
    if (!transaction || Date.now() - transaction.startedAt > TRANSACTION_TTL_MS) {
      log.warn({ reason: "login_expired" }, "login refused");
      await endSession(req, res);
      throw loginRefusals.expired();
    }
    // ProConnect's answer is checked against the URL it was sent to, which we registered: rebuilt
    // from PUBLIC_URL, never from the Host or X-Forwarded-* headers of this request.
    const query = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "";
    const callbackUrl = new URL(`${publicUrl}${CALLBACK_PATH}${query}`);
    let completed;
    try {
      completed = await requireProConnect().finishLogin(callbackUrl, transaction);
    } catch (error) {
      // Whatever went wrong, the transaction is spent and no session survives a refused login.
      await endSession(req, res);
      if (error instanceof LoginRefusedError) {
        const detail = (error as Partial<RefusalWithDetail>).detail;
        log.warn({ reason: error.reason, detail }, "login refused");
      }
      throw error;
    }
    // A new session id at login: an id planted in the browser before login is worth nothing after.
    await regenerateSession(req);
    req.session.user = completed.user;
    req.session.proconnect = { idToken: completed.idToken };
    try {
      await deps.onLogin?.(completed.user, req);
    } catch (error) {
      await endSession(req, res);
      throw error;
    }
    await saveSession(req);
    const { sub, idpId, acr, amr } = completed.user;
    log.info({ sub, idpId, acr, amr }, "login");
    res.redirect(303, transaction.returnTo);
  });

  const logoutPage = (req: Request, res: express.Response, crossOrigin: boolean) =>
    renderPage(
      req,
      res,
      "auth/logout",
      { title: "Se déconnecter", loggedIn: getSessionUser(req) !== undefined, crossOrigin },
      crossOrigin ? 403 : 200,
    );

  // A GET never logs out: any site could otherwise end a person's session with an <img> or a link
  // (logout CSRF). An old bookmark of /deconnexion lands here, one button away from the real logout.
  router.get(LOGOUT_PATH, async (req, res) => {
    await logoutPage(req, res, false);
  });

  // No CSRF token, as for the other forms of the gateway: the session cookie is SameSite=Lax, so
  // another site's post arrives without it. Logout also checks Sec-Fetch-Site / Origin, because a post
  // that arrives as nobody would still clear the cookie (a top-level navigation may set cookies), and
  // because a page on another port of the same host is "same-site" and does get the cookie.
  router.post(LOGOUT_PATH, async (req, res) => {
    const log = req.log ?? deps.logger;
    if (isFromAnotherOrigin(req, publicOrigin)) {
      log.warn(
        { reason: "cross_origin", secFetchSite: req.get("sec-fetch-site"), origin: req.get("origin") },
        "logout refused",
      );
      return logoutPage(req, res, true);
    }
    const user = getSessionUser(req);
    const idToken = req.session.proconnect?.idToken;
    // Local logout first, so the gateway session is gone even if the person never comes back from
    // ProConnect's confirmation page.
    if (!user) {
      await endSession(req, res);
      return res.redirect(303, "/");
    }
    await restartSession(req, res);
    const state = randomBytes(32).toString("base64url");
    req.session.logout = { state };
    req.session.cookie.maxAge = TRANSACTION_TTL_MS;
    await saveSession(req);
    log.info({ sub: user.sub }, "logout");
    // ProConnect's end-session endpoint shares the issuer's origin, already allowed by the CSP's
    // form-action (browsers apply it to the redirect that answers a form).
    const url = await requireProConnect().logoutUrl(idToken, state);
    res.redirect(303, url.href);
  });

  router.get(LOGOUT_CALLBACK_PATH, async (req, res) => {
    const expected = req.session.logout?.state;
    // The state first: a return this browser did not ask for (another site's link) ends nothing.
    if (!expected || !sameSecret(expected, stateOf(req))) {
      (req.log ?? deps.logger).warn({ reason: "logout_state_mismatch" }, "logout return refused");
      throw getSessionUser(req) ? loginRefusals.logoutReturnIgnored() : loginRefusals.logoutStateMismatch();
    }
    await endSession(req, res);
    await renderPage(req, res, "auth/logged-out", { title: "Vous êtes déconnecté" });
  });

  router.get("/api/me", (req, res) => {
    const user = getSessionUser(req);
    if (!user) throw new UnauthenticatedError();
    res.json({
      email: user.email,
      givenName: user.givenName,
      usualName: user.usualName,
      displayName: displayNameOf(user),
      organizationLabel: user.organizationLabel,
      siret: user.siret,
      ...(deps.describeProfile ? deps.describeProfile(req) : {}),
    });
  });

  return router;
}
