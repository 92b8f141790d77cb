import * as client from "openid-client";
import { currentDeadline, DeadlineAbort } from "../deadline.js";
import { acceptableAcrs, meetsMinimumAcr } from "../eidas-levels.js";
import { LoginRefusedError, loginRefusals } from "./errors.js";
import {
  ProConnectIdTokenClaims,
  ProConnectUserInfo,
  sessionUserFrom,
  type SessionUser,
} from "./identity.js";

/**
 * ProConnect through openid-client v6, the only importer of that library (proconnect.md §2). Discovery
 * runs once per process and is kept; a failed discovery is retried on the next login.
 */

export interface ProConnectSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  minAcr: string;
  signingAlg: "RS256" | "ES256";
  /** Built from PUBLIC_URL, never from request headers, and registered as is at ProConnect. */
  redirectUri: string;
  postLogoutRedirectUri: string;
}

/** What the callback must find in the session to accept ProConnect's answer. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface CompletedLogin {
  user: SessionUser;
  /** Kept server-side for logout's `id_token_hint`; never sent to the browser. */
  idToken: string;
}

export interface ProConnect {
  startLogin(): Promise<{ url: URL; transaction: LoginTransaction }>;
  /** Throws a LoginRefusedError (with a log-safe `detail`) for every refusal. */
  finishLogin(callbackUrl: URL, transaction: LoginTransaction, now?: number): Promise<CompletedLogin>;
  /** Without an ID token, ProConnect identifies us by `client_id` (added by the library). */
  logoutUrl(idToken: string | undefined, state: string): Promise<URL>;
}

const TIMEOUT_SECONDS = 10;

/**
 * Every call to ProConnect shares the deadline of the request that makes it (issue 21): a provider that
 * accepts connections and never answers costs a login that long, not the library's own timeout on each
 * of its calls in turn.
 */
const fetchWithinDeadline: client.CustomFetch = async (url, options) => {
  const deadline = currentDeadline()?.signal;
  const signal =
    deadline && options.signal ? AbortSignal.any([options.signal, deadline]) : (deadline ?? options.signal);
  try {
    return await fetch(url, { ...options, ...(signal ? { signal } : {}) });
  } catch (error) {
    // As the library's own timeout reports itself (OAUTH_TIMEOUT): ProConnect did not answer in time.
    if (error instanceof DeadlineAbort) throw new DOMException(error.message, "TimeoutError");
    throw error;
  }
};

export function createProConnect(settings: ProConnectSettings): ProConnect {
  let discovered: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    discovered ??= discover(settings).catch((error: unknown) => {
      discovered = undefined;
      throw refusalFor(error);
    });
    return discovered;
  };

  return {
    async startLogin() {
      const config = await configuration();
      const transaction = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: "S256",
        // Tells ProConnect the level we need (so it may step up with a second factor) and asks for
        // acr and amr in the ID token; acr is checked again on return. Must be a JSON string.
        claims: JSON.stringify({
          id_token: { acr: { essential: true, values: acceptableAcrs(settings.minAcr) }, amr: null },
        }),
      });
      return { url, transaction };
    },

    async finishLogin(callbackUrl, transaction, now = Date.now()) {
      const config = await configuration();
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          pkceCodeVerifier: transaction.codeVerifier,
          idTokenExpected: true,
        });
      } catch (error) {
        throw refusalFor(error);
      }
      const idToken = tokens.id_token;
      const idClaims = ProConnectIdTokenClaims.safeParse(tokens.claims());
      if (!idToken || !idClaims.success) {
        throw withDetail(loginRefusals.invalidResponse(), "ID token without the expected claims");
      }
      const { acr } = idClaims.data;
      if (acr === undefined || !meetsMinimumAcr(acr, settings.minAcr)) {
        throw withDetail(loginRefusals.acrTooLow(acr, settings.minAcr), `acr ${acr ?? "(absent)"}`);
      }
      let rawUserInfo;
      try {
        rawUserInfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.data.sub);
      } catch (error) {
        throw refusalFor(error);
      }
      const userInfo = ProConnectUserInfo.safeParse(rawUserInfo);
      if (!userInfo.success) {
        const fields = userInfo.error.issues.map((issue) => issue.path.join(".")).join(", ");
        throw withDetail(loginRefusals.invalidResponse(), `userinfo claims rejected: ${fields}`);
      }
      return { user: sessionUserFrom({ ...idClaims.data, acr }, userInfo.data, now), idToken };
    },

    async logoutUrl(idToken, state) {
      const config = await configuration();
      return client.buildEndSessionUrl(config, {
        ...(idToken ? { id_token_hint: idToken } : {}),
        post_logout_redirect_uri: settings.postLogoutRedirectUri,
        state,
      });
    },
  };
}

async function discover(settings: ProConnectSettings): Promise<client.Configuration> {
  const insecure = new URL(settings.issuer).protocol === "http:";
  const config = await client.discovery(
    new URL(settings.issuer),
    settings.clientId,
    {
      // Pinned: the library otherwise accepts any algorithm the provider lists, HS256 included.
      id_token_signed_response_alg: settings.signingAlg,
      userinfo_signed_response_alg: settings.signingAlg,
    },
    client.ClientSecretPost(settings.clientSecret),
    {
      // Without it the signed userinfo is decoded but its signature is not checked (proconnect.md §2.3).
      // Plain http only for a local provider: production refuses an http issuer (src/config.ts).
      execute: [client.enableNonRepudiationChecks, ...(insecure ? [client.allowInsecureRequests] : [])],
      timeout: TIMEOUT_SECONDS,
      [client.customFetch]: fetchWithinDeadline,
    },
  );
  config.timeout = TIMEOUT_SECONDS;
  return config;
}

export interface RefusalWithDetail extends LoginRefusedError {
  /** A technical description for the logs: library error names, codes and fixed messages, never values. */
  detail: string;
}

function withDetail(error: LoginRefusedError, detail: string): RefusalWithDetail {
  return Object.assign(error, { detail });
}

/** Reads the library's errors without ever keeping them: their causes hold codes, tokens and claims. */
function refusalFor(error: unknown): RefusalWithDetail {
  if (error instanceof LoginRefusedError)
    return withDetail(error, "detail" in error ? String(error.detail) : "");
  if (error instanceof client.AuthorizationResponseError) {
    const detail = `authorization response error ${error.error}`;
    if (error.error === "access_denied")
      return withDetail(loginRefusals.accessDenied(error.error_description), detail);
    if (error.error === "login_required") return withDetail(loginRefusals.loginRequired(), detail);
    return withDetail(loginRefusals.providerError(error.error), detail);
  }
  if (error instanceof client.ResponseBodyError) {
    const detail = `${error.status} ${error.error} from the provider`;
    if (error.error === "invalid_grant") return withDetail(loginRefusals.codeRejected(), detail);
    return withDetail(loginRefusals.providerError(error.error), detail);
  }
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = error instanceof client.ClientError ? error.code : undefined;
  const networkCode =
    error instanceof TypeError && error.cause && typeof error.cause === "object" && "code" in error.cause
      ? String(error.cause.code)
      : undefined;
  const detail = [
    error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown",
    code,
    inner ? inner.message : networkCode,
  ]
    .filter(Boolean)
    .join(" — ");
  if (
    // undici's network failures; any other TypeError is a bug, not an unreachable ProConnect.
    (error instanceof TypeError && error.message === "fetch failed") ||
    code === "OAUTH_TIMEOUT" ||
    code === "OAUTH_ABORT" ||
    code === "OAUTH_RESPONSE_IS_NOT_CONFORM" ||
    code === "OAUTH_RESPONSE_IS_NOT_JSON"
  ) {
    return withDetail(
      loginRefusals.unavailable(code === "OAUTH_TIMEOUT" ? "timeout" : "unavailable"),
      detail,
    );
  }
  const message = inner?.message ?? "";
  if (/"state"/.test(message)) return withDetail(loginRefusals.stateMismatch(), detail);
  if (/"nonce"/.test(message)) return withDetail(loginRefusals.nonceMismatch(), detail);
  return withDetail(loginRefusals.invalidResponse(), detail);
}
