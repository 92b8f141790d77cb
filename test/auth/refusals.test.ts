import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { JsonWebKey } from "node:crypto";
import { SESSION_KEY_PREFIX } from "../../src/storage/session-store.js";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { captureLogger, openTestStack } from "../support/app.js";
import { testConfig, testServices } from "../support/services.js";
import { sessionIdOf, signedSessionCookie, startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { decodeJwt, signJwt, tamperedJwt, unsignedJwt } from "../support/jwt.js";
import { Browser, driveLogin, formOf, type LoginOptions, type Page } from "../support/login.js";

const DDETS = "agent.ddets93@demo.pilotage.test";

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("'", "&#39;")
    .replaceAll('"', "&#34;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

/** The French DSFR error page of a refused login, with the way to start again. */
function assertRefusalPage(page: Page, expected: { status: number; title: string; message: string }): void {
  assert.equal(page.status, expected.status, page.text.slice(0, 3000));
  assert.equal(new URL(page.url).pathname, "/connexion/callback");
  assert.match(page.text, /<html lang="fr"/);
  assert.ok(page.text.includes(`<h1>${escapeHtml(expected.title)}</h1>`), `title « ${expected.title} »`);
  assert.ok(
    page.text.includes(escapeHtml(expected.message)),
    `message « ${expected.message} »\n${page.text}`,
  );
  assert.match(page.text, /<a class="fr-btn" href="\/connexion">Se connecter à nouveau<\/a>/);
  assert.match(page.text, /href="\/connexion">Se connecter<\/a>/, "the header shows nobody logged in");
}

const REFUSALS = {
  state: {
    status: 400,
    title: "Connexion interrompue",
    message:
      "La réponse de ProConnect ne correspond pas à la demande de connexion partie de ce navigateur (paramètre « state » différent).",
  },
  nonce: {
    status: 400,
    title: "Connexion interrompue",
    message:
      "Le jeton d'identité reçu de ProConnect ne correspond pas à cette demande de connexion (paramètre « nonce » différent).",
  },
  invalid: {
    status: 502,
    title: "Connexion refusée par sécurité",
    message:
      "La réponse de ProConnect n'a pas pu être vérifiée (signature, émetteur, algorithme ou validité des jetons). Par sécurité, la connexion a été refusée.",
  },
  codeRejected: {
    status: 400,
    title: "Connexion refusée",
    message:
      "ProConnect a refusé le code de connexion : il a expiré ou a déjà été utilisé. Merci de recommencer.",
  },
};

/**
 * Runs a login expected to be refused; checks that no session exists afterwards, in Redis or in the
 * browser, and that the logged reason (the library's own words, or the gateway's) is the one under test.
 */
async function expectRefusedLogin(
  target: { stack: LoginStack; logs: string[] },
  because: RegExp,
  options: LoginOptions = {},
  email = DDETS,
): Promise<Page> {
  const { stack, logs } = target;
  const before = await stack.sessionCount();
  const logStart = logs.length;
  const tokensBefore = stack.proxy?.tokenResponses.length ?? 0;
  const { browser, page, callbackUrl } = await driveLogin(stack.baseUrl, email, options);
  assert.equal(await stack.sessionCount(), before, "no session left in Redis");
  assert.equal(browser.jar.get("pilotage.sid"), undefined, "the session cookie is dropped");
  assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
  assertLoggedRefusal(logs.slice(logStart), because);
  assertNoSecretShown(
    stack,
    [...logs.slice(logStart), page.text],
    [
      callbackUrl?.searchParams.get("code"),
      ...(stack.proxy?.tokenResponses.slice(tokensBefore) ?? []).flatMap((body) => [
        body.access_token,
        body.id_token,
        body.refresh_token,
      ]),
    ],
  );
  return page;
}

/**
 * PRODUCT.md §3, invariant 7, on the error paths: whatever the library's own words logged as the detail
 * of a refusal, neither the logs nor the page carry the client secret, the session secret, the
 * authorization code or a token of this login.
 */
function assertNoSecretShown(stack: LoginStack, texts: string[], seen: unknown[]): void {
  const secrets = [stack.clientSecret, stack.testStack.deps.config.session.secret, ...seen].filter(
    (value): value is string => typeof value === "string" && value.length >= 8,
  );
  assert.ok(secrets.length >= 2);
  for (const text of texts)
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `a secret shows: …${secret.slice(0, 6)}…`);
}

function assertLoggedRefusal(lines: string[], because: RegExp): void {
  const refusal = lines.find((line) => line.includes('"msg":"login refused"'));
  assert.ok(refusal, "the refusal is logged");
  const { reason, detail } = JSON.parse(refusal) as { reason: string; detail?: string };
  assert.match(`${reason} ${detail ?? ""}`, because, "refused for the reason under test");
}

async function captureStack(options: Parameters<typeof startLoginStack>[0] = {}) {
  const captured = captureLogger("info");
  return { stack: await startLoginStack({ ...options, logger: captured.logger }), logs: captured.lines };
}

describe("refused logins: a French page, and no session", () => {
  let stack: LoginStack;
  let logs: string[];
  let rsaKey: JsonWebKey;

  before(async () => {
    ({ stack, logs } = await captureStack({ proxy: true }));
    rsaKey = stack.keys.find((k) => k.kty === "RSA") as JsonWebKey;
  });
  after(() => stack.close());
  afterEach(() => {
    stack.proxy!.rewriteToken = undefined;
    stack.proxy!.rewriteUserInfo = undefined;
    stack.provider.accessDenied = undefined;
  });

  const refusedLogin = (because: RegExp, options: LoginOptions = {}, email = DDETS) =>
    expectRefusedLogin({ stack, logs }, because, options, email);

  /** Rewrites the ID token of the token response, signed again with the provider's own key. */
  function forgeIdToken(change: (payload: Record<string, unknown>) => Record<string, unknown>): void {
    stack.proxy!.rewriteToken = (body) => {
      const { header, payload } = decodeJwt(String(body.id_token));
      return { ...body, id_token: signJwt(header, change(payload), rsaKey) };
    };
  }

  it("control: an ID token re-signed unchanged by the proxy is accepted, so the forgeries below fail for their own reason", async () => {
    forgeIdToken((payload) => payload);
    const { page } = await driveLogin(stack.baseUrl, DDETS);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="identite-connectee">Camille Martin</);
  });

  it("wrong state in the callback", async () => {
    const page = await refusedLogin(/unexpected "state" response parameter value/, {
      rewriteCallbackUrl: (url) => {
        url.searchParams.set("state", randomBytes(32).toString("base64url"));
        return url;
      },
    });
    assertRefusalPage(page, REFUSALS.state);
  });

  it("wrong iss in the authorization response (mix-up)", async () => {
    const page = await refusedLogin(/unexpected "iss" \(issuer\) response parameter value/, {
      rewriteCallbackUrl: (url) => {
        url.searchParams.set("iss", "https://autre-fournisseur.example/api/v2");
        return url;
      },
    });
    assertRefusalPage(page, REFUSALS.invalid);
  });

  it("wrong iss in the ID token", async () => {
    forgeIdToken((payload) => ({ ...payload, iss: "https://autre-fournisseur.example/api/v2" }));
    assertRefusalPage(await refusedLogin(/unexpected JWT "iss" \(issuer\) claim value/), REFUSALS.invalid);
  });

  it("ID token with alg: none", async () => {
    stack.proxy!.rewriteToken = (body) => ({
      ...body,
      id_token: unsignedJwt(decodeJwt(String(body.id_token)).payload),
    });
    assertRefusalPage(await refusedLogin(/unexpected JWT "alg" header parameter/), REFUSALS.invalid);
  });

  it("expired ID token (validly signed)", async () => {
    const now = Math.floor(Date.now() / 1000);
    forgeIdToken((payload) => ({ ...payload, iat: now - 7200, exp: now - 3600 }));
    assertRefusalPage(
      await refusedLogin(/"exp" \(expiration time\) claim value, expiration is past/),
      REFUSALS.invalid,
    );
  });

  it("ID token issued for another login (nonce mismatch)", async () => {
    let sent: string | null | undefined;
    let issued: unknown;
    forgeIdToken((payload) => {
      issued = payload.nonce;
      return { ...payload, nonce: randomBytes(32).toString("base64url") };
    });
    const page = await refusedLogin(/unexpected ID Token "nonce" claim value/, {
      rewriteAuthorizationUrl: (url) => {
        sent = url.searchParams.get("nonce");
        return url;
      },
    });
    assertRefusalPage(page, REFUSALS.nonce);
    // Refused because the nonce differs from the one this login sent, not because none was sent (the
    // library refuses a nonce it does not expect just the same): the request carried one, and the
    // provider's genuine token echoed it.
    assert.match(String(sent), /^[\w-]{43}$/);
    assert.equal(issued, sent);
  });

  it("userinfo with a tampered signature", async () => {
    stack.proxy!.rewriteUserInfo = (jwt) =>
      tamperedJwt(jwt, (claims) => ({
        ...claims,
        siret: "11001000100011",
        email: "agent.dgefp@demo.pilotage.test",
      }));
    assertRefusalPage(await refusedLogin(/JWT signature verification failed/), REFUSALS.invalid);
  });

  /**
   * Stops a login just before its callback and gives a second browser a copy of the first one's
   * pre-login session (same state, nonce and PKCE verifier) under another session id: the only
   * difference between their two callbacks is which one comes first.
   */
  async function cloneAtCallback(): Promise<{
    clone: Browser;
    callbackUrl: URL;
    deliverFirst: () => Promise<Page>;
  }> {
    const redis = stack.testStack.deps.redis!;
    const first = new Browser();
    const clone = new Browser();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: (url: URL) => void;
    const atCallback = new Promise<URL>((resolve) => (reached = resolve));
    const firstLogin = driveLogin(stack.baseUrl, DDETS, {
      browser: first,
      rewriteCallbackUrl: async (url) => {
        const cookie = first.jar.get("pilotage.sid")!;
        const sid = sessionIdOf(first);
        const copy = randomBytes(24).toString("base64url");
        assert.equal(await redis.copy(`${SESSION_KEY_PREFIX}${sid}`, `${SESSION_KEY_PREFIX}${copy}`), 1);
        clone.jar.set({ ...cookie, value: signedSessionCookie(copy, stack.config.session.secret) });
        reached(url);
        await released;
        return url;
      },
    });
    const callbackUrl = await atCallback;
    return {
      clone,
      callbackUrl,
      deliverFirst: async () => {
        release();
        return (await firstLogin).page;
      },
    };
  }

  it("control: the cloned pre-login session is a valid login transaction", async () => {
    const { clone, callbackUrl, deliverFirst } = await cloneAtCallback();
    const page = await clone.follow(callbackUrl);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="identite-connectee">Camille Martin</);
    assertRefusalPage(await deliverFirst(), REFUSALS.codeRejected);
  });

  it("replayed authorization code", async () => {
    const { clone, callbackUrl, deliverFirst } = await cloneAtCallback();
    const first = await deliverFirst();
    assert.equal(first.status, 200, "the first use of the code logs in");
    const before = await stack.sessionCount();
    const logStart = logs.length;
    const page = await clone.follow(callbackUrl);
    assertRefusalPage(page, REFUSALS.codeRejected);
    assertLoggedRefusal(logs.slice(logStart), /login_code_rejected 400 invalid_grant/);
    assert.equal(
      await stack.sessionCount(),
      before - 1,
      "the clone's pre-login session is gone, none replaces it",
    );
    assert.equal(clone.jar.get("pilotage.sid"), undefined);
    assert.equal((await clone.get(`${stack.baseUrl}/api/me`)).status, 401);
  });

  it("access_denied from ProConnect, with ProConnect's description in French", async () => {
    stack.provider.accessDenied = "authentication aborted due to invalid identity";
    const page = await refusedLogin(/proconnect_access_denied authorization response error access_denied/);
    assertRefusalPage(page, {
      status: 403,
      title: "Connexion refusée par ProConnect",
      message:
        "ProConnect a refusé la connexion : votre compte n'est pas autorisé à se connecter à ce service (compte bloqué ou organisation non éligible).",
    });
  });

  it("access_denied with a description we do not know: shown as ProConnect sent it", async () => {
    stack.provider.accessDenied = "Compte suspendu <par> l'administrateur";
    const page = await refusedLogin(/proconnect_access_denied/);
    assertRefusalPage(page, {
      status: 403,
      title: "Connexion refusée par ProConnect",
      message:
        "ProConnect a refusé la connexion (motif indiqué par ProConnect : « Compte suspendu <par> l'administrateur »).",
    });
  });

  it("access_denied when the level we require cannot be reached (essential acr)", async () => {
    const page = await refusedLogin(/proconnect_access_denied/, { acr: "eidas0" });
    assertRefusalPage(page, {
      status: 403,
      title: "Connexion refusée par ProConnect",
      message:
        "ProConnect a refusé la connexion : le niveau d'authentification demandé par ce service n'a pas pu être atteint.",
    });
  });

  it("login_required (a silent login without a ProConnect session)", async () => {
    const page = await refusedLogin(/proconnect_login_required authorization response error login_required/, {
      rewriteAuthorizationUrl: (url) => {
        url.searchParams.set("prompt", "none");
        return url;
      },
    });
    assertRefusalPage(page, {
      status: 401,
      title: "Identification ProConnect requise",
      message: "Votre session ProConnect a expiré ou n'existe plus : merci de vous identifier à nouveau.",
    });
  });

  it("a callback without a login in flight (expired, or opened in another browser)", async () => {
    const browser = new Browser();
    const logStart = logs.length;
    const page = await browser.follow(
      `${stack.baseUrl}/connexion/callback?code=${"c".repeat(43)}&state=${"s".repeat(43)}&iss=${encodeURIComponent(stack.issuer)}`,
    );
    assertRefusalPage(page, {
      status: 400,
      title: "Demande de connexion expirée",
      message:
        "Cette demande de connexion a expiré ou a déjà servi. Merci de recommencer depuis la page de connexion.",
    });
    assertLoggedRefusal(logs.slice(logStart), /login_expired/);
    assert.equal(browser.jar.get("pilotage.sid"), undefined);
  });

  it("ProConnect unreachable at the token endpoint", async () => {
    const target = stack.proxy!.target;
    try {
      const page = await refusedLogin(/proconnect_unavailable/, {
        rewriteCallbackUrl: (url) => {
          stack.proxy!.target = "http://127.0.0.1:9"; // discard port: nothing listens
          return url;
        },
      });
      assertRefusalPage(page, {
        status: 503,
        title: "ProConnect est injoignable",
        message:
          "ProConnect ne répond pas pour le moment, la connexion est impossible. Merci de réessayer dans quelques minutes.",
      });
    } finally {
      stack.proxy!.target = target;
    }
  });
});

describe("refused logins that need another provider", () => {
  it("ProConnect unreachable (connection refused): a French 503 page with Retry-After, nothing stored", async () => {
    const { logger, lines } = captureLogger("info");
    const testStack = await openTestStack({
      logger,
      config: testConfig({
        REDIS_URL: testServices.redisUrl,
        PROCONNECT_ISSUER: "http://127.0.0.1:9/api/v2", // discard port: nothing listens
        PROCONNECT_CLIENT_ID: "pilotage-test",
        PROCONNECT_CLIENT_SECRET: "s".repeat(40),
      }),
    });
    try {
      const res = await request(createApp(testStack.deps)).post("/connexion").expect(503);
      assert.equal(res.headers["retry-after"], "5");
      assert.ok(res.text.includes("<h1>ProConnect est injoignable</h1>"));
      assert.equal(res.headers["set-cookie"], undefined);
      assert.ok(
        lines.some(
          (line) => line.includes('"reason":"proconnect_unavailable"') && line.includes("fetch failed"),
        ),
      );
      const api = await request(createApp(testStack.deps))
        .post("/connexion")
        .set("Accept", "application/json");
      assert.equal(api.status, 503);
      assert.equal(api.body.error, "proconnect_unavailable");
    } finally {
      await testStack.close();
    }
  });

  it("userinfo signed with an algorithm other than the one registered (ES256 instead of RS256)", async () => {
    const { stack, logs } = await captureStack({ client: { userinfoSigningAlg: "ES256" } });
    try {
      const page = await expectRefusedLogin({ stack, logs }, /unexpected JWT "alg" header parameter/);
      assertRefusalPage(page, REFUSALS.invalid);
    } finally {
      await stack.close();
    }
  });

  it("acr below the minimum, from a provider that ignores the requested level", async () => {
    const { stack, logs } = await captureStack({
      env: { PROCONNECT_MIN_ACR: "eidas1-mfa" },
      provider: { honourEssentialAcr: false },
    });
    try {
      for (const acr of ["eidas1", "eidas0-mfa"]) {
        const page = await expectRefusedLogin({ stack, logs }, new RegExp(`acr_too_low acr ${acr}$`), {
          acr,
        });
        assertRefusalPage(page, {
          status: 403,
          title: "Niveau d'authentification insuffisant",
          message: `Vous vous êtes identifié avec le niveau « ${acr} », mais ce service demande au moins le niveau « eidas1-mfa ».`,
        });
      }
      // Control: the same provider and gateway accept a level that meets the minimum.
      const { page } = await driveLogin(stack.baseUrl, DDETS, { acr: "eidas2" });
      assert.match(page.text, /id="identite-connectee">Camille Martin</);
    } finally {
      await stack.close();
    }
  });

  it("ProConnect unreachable at discovery, then reachable again (a failed discovery is not kept)", async () => {
    const { stack, logs } = await captureStack({ proxy: true });
    const target = stack.proxy!.target;
    try {
      stack.proxy!.target = "http://127.0.0.1:9"; // discard port: nothing listens
      const before = await stack.sessionCount();
      const browser = new Browser();
      const loginPage = await browser.follow(`${stack.baseUrl}/connexion`);
      const button = formOf(loginPage, /^\/connexion$/);
      const page = await browser.submit(button.action, button.fields);
      assert.equal(page.status, 503);
      assert.ok(page.text.includes("<h1>ProConnect est injoignable</h1>"));
      assert.ok(
        page.text.includes(
          escapeHtml("ProConnect ne répond pas pour le moment, la connexion est impossible."),
        ),
      );
      assert.equal(await stack.sessionCount(), before);
      assert.ok(logs.some((line) => line.includes('"reason":"proconnect_unavailable"')));
      stack.proxy!.target = target;
      const { page: after } = await driveLogin(stack.baseUrl, DDETS);
      assert.match(after.text, /id="identite-connectee">Camille Martin</);
    } finally {
      stack.proxy!.target = target;
      await stack.close();
    }
  });
});
