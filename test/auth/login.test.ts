import assert from "node:assert/strict";
import express from "express";
import request from "supertest";
import {
  enforceSessionLifetime,
  getSessionUser,
  requireSessionUser,
  requireUser,
  sessionMiddleware,
} from "../../src/auth/session.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { errorHandler } from "../../src/http/error-handler.js";
import { sessionIdOf, sessionKeyOf, startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, driveLogin, formOf, loginAs, startLogout } from "../support/login.js";

const DDETS = "agent.ddets93@demo.pilotage.test";
const FT = "conseiller.ft69@demo.pilotage.test";

describe("ProConnect login", () => {
  let stack: LoginStack;
  before(async () => {
    stack = await startLoginStack();
  });
  after(() => stack.close());

  it("shows ProConnect's button on the login page (DSFR markup, no inline script)", async () => {
    const page = await new Browser().follow(`${stack.baseUrl}/connexion`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Se connecter<\/h1>/);
    assert.match(
      page.text,
      /<form method="post" action="\/connexion">\s*<input type="hidden" name="retour" value="\/">\s*<button class="fr-connect pilotage-proconnect" type="submit" id="bouton-proconnect">\s*<span class="fr-connect__login">S’identifier avec<\/span>\s*<span class="fr-connect__brand">ProConnect<\/span>/,
    );
    assert.match(
      page.text,
      /<a href="https:\/\/www.proconnect.gouv.fr\/" target="_blank" rel="noopener" title="Qu’est-ce que ProConnect \? - nouvelle fenêtre">Qu’est-ce que ProConnect \?<\/a>/,
    );
    assert.doesNotMatch(page.text, /<script>(?!<)/);
    assert.equal(page.headers.get("cache-control"), "no-store");
  });

  it("logs agent.ddets93 in through the provider's form: name in the header and in /api/me", async () => {
    const { browser, page, silent } = await driveLogin(stack.baseUrl, DDETS);
    assert.equal(silent, false, "the provider showed its form");
    assert.equal(page.status, 200);
    // The home page sends a placed person on to their dashboards.
    assert.deepEqual(
      page.hops.slice(-2).map((hop) => new URL(hop.url).pathname),
      ["/", "/tableaux-de-bord"],
    );
    // The name is text, not a control: no button look (fr-btn), nothing to focus, and said in a sentence.
    assert.match(
      page.text,
      /<div class="fr-header__tools-links">\s*<p class="fr-text--sm fr-m-0 fr-py-1v fr-px-1w">\s*<span class="fr-icon-account-circle-line fr-icon--sm fr-mr-1v" aria-hidden="true"><\/span><span class="fr-sr-only">Session ouverte au nom de <\/span><span id="identite-connectee">Camille Martin<\/span>\s*<\/p>\s*<ul class="fr-btns-group">/,
    );
    const tools = /<div class="fr-header__tools-links">([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? "";
    assert.deepEqual(
      [...tools.matchAll(/class="(fr-btn[^"]*)"/g)].map((m) => m[1]),
      ["fr-btns-group", "fr-btn fr-icon-logout-box-r-line"],
      "the logout button is the only button of the header's tools",
    );
    // Logout is a form (POST): a link or an <img> of another site cannot log anyone out.
    assert.match(
      page.text,
      /<li>\s*<form method="post" action="\/deconnexion">\s*<button class="fr-btn fr-icon-logout-box-r-line" type="submit">Se déconnecter<\/button>\s*<\/form>\s*<\/li>/,
    );
    assert.doesNotMatch(page.text, /href="\/deconnexion"/);

    const me = await browser.get(`${stack.baseUrl}/api/me`);
    assert.equal(me.status, 200);
    assert.equal(me.headers.get("cache-control"), "no-store");
    assert.deepEqual(await me.json(), {
      email: DDETS,
      givenName: "Camille",
      usualName: "Martin",
      displayName: "Camille Martin",
      organizationLabel: "DDETS de la Seine-Saint-Denis",
      siret: "13001009300016",
      profile: {
        kind: "ddets",
        label: "DDETS",
        organisation: { ref: "institution:1", label: "DDETS de la Seine-Saint-Denis" },
        preview: false,
        own: "ddets",
        perimeter: {
          departements: [{ code: "93", label: "93 - Seine-Saint-Denis" }],
          region: { code: "11", label: "Île-de-France" },
          structures: [],
          reseau: null,
          organisation: null,
          description: "93 - Seine-Saint-Denis",
        },
      },
    });
  });

  it("keeps the whole identity in the Redis session, with the ID token for logout and no other token", async () => {
    const before = await stack.sessionCount();
    const t0 = Date.now();
    const browser = await loginAs(stack.baseUrl, FT);
    const sessions = await stack.sessions();
    assert.equal(sessions.length, before + 1);
    // This browser's own session: the shared Redis may hold the same person's sessions from other suites.
    const mine = sessions.find((s) => s.key === sessionKeyOf(browser));
    assert.ok(mine);
    const user = mine.data.user as Record<string, unknown>;
    assert.ok(typeof user.loginAt === "number" && user.loginAt >= t0 && user.loginAt <= Date.now());
    assert.deepEqual(
      { ...user, loginAt: 0 },
      {
        sub: stack.provider.subOf(FT),
        email: FT,
        givenName: "Sacha",
        usualName: "Richard",
        uid: "ft-srichard",
        siret: "13000548100697",
        organizationLabel: "FRANCE TRAVAIL",
        idpId: "france-travail",
        roles: ["agent_public"],
        custom: { structureTravail: "69181" },
        acr: "eidas1",
        amr: ["pwd"],
        loginAt: 0,
      },
    );
    // `profile` is the placement of issue 6 (kind, organisation, perimeter): no token in it.
    assert.deepEqual(Object.keys(mine.data).sort(), ["cookie", "proconnect", "profile", "user"]);
    const idToken = (mine.data.proconnect as { idToken: string }).idToken;
    assert.match(idToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    // The browser holds a signed session id, nothing else of ours.
    const sid = browser.jar.get("pilotage.sid")!;
    assert.match(decodeURIComponent(sid.value), /^s:[\w-]{32}\.[\w+/]+$/);
    assert.equal(sid.httpOnly, true);
  });

  it("logs in every demo account with the claims of src/demo/accounts.ts", async () => {
    for (const account of DEMO_ACCOUNTS) {
      const browser = await loginAs(stack.baseUrl, account.email);
      const {
        profile: _profile,
        access: _access,
        ...me
      } = (await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as Record<string, unknown>;
      assert.deepEqual(me, {
        email: account.email,
        givenName: account.givenName,
        usualName: account.usualName,
        displayName: `${account.givenName} ${account.usualName}`,
        organizationLabel: account.organizationLabel,
        siret: account.siret,
      });
    }
  });

  it("sends the authorization request ProConnect expects: code, PKCE S256, state and nonce ≥ 32, acr and amr claims", async () => {
    let authorization: URL | undefined;
    await driveLogin(stack.baseUrl, DDETS, {
      rewriteAuthorizationUrl: (url) => (authorization = url),
    });
    assert.ok(authorization);
    assert.equal(`${authorization.origin}${authorization.pathname}`, `${stack.issuer}/authorize`);
    const params = Object.fromEntries(authorization.searchParams);
    assert.deepEqual(Object.keys(params).sort(), [
      "claims",
      "client_id",
      "code_challenge",
      "code_challenge_method",
      "nonce",
      "redirect_uri",
      "response_type",
      "scope",
      "state",
    ]);
    assert.equal(params.response_type, "code");
    assert.equal(params.client_id, stack.clientId);
    assert.equal(params.redirect_uri, `${stack.baseUrl}/connexion/callback`);
    assert.equal(
      params.scope,
      "openid email given_name usual_name uid siret idp_id roles organization_label custom",
    );
    assert.equal(params.code_challenge_method, "S256");
    assert.match(params.code_challenge!, /^[\w-]{43}$/);
    assert.ok(params.state!.length >= 32, "state ≥ 32 characters");
    assert.ok(params.nonce!.length >= 32, "nonce ≥ 32 characters");
    assert.notEqual(params.state, params.nonce);
    assert.deepEqual(JSON.parse(params.claims!), {
      id_token: { acr: { essential: true, values: ["eidas1", "eidas1-mfa", "eidas2", "eidas3"] }, amr: null },
    });
  });

  it("gives a new session id at login (the pre-login id is dropped from Redis)", async () => {
    const browser = new Browser();
    let before: string | undefined;
    await driveLogin(stack.baseUrl, DDETS, {
      browser,
      rewriteCallbackUrl: (url) => {
        before = sessionIdOf(browser);
        return url;
      },
    });
    const after = sessionIdOf(browser);
    assert.ok(before);
    assert.notEqual(after, before);
    const keys = (await stack.sessions()).map((s) => s.key);
    assert.ok(keys.includes(`pilotage:sess:${after}`));
    assert.ok(!keys.includes(`pilotage:sess:${before}`));
  });

  it("checks the callback against PUBLIC_URL, whatever Host or X-Forwarded-* headers say", async () => {
    const forged = await startLoginStack({ env: { TRUST_PROXY: "1" } });
    try {
      const browser = new Browser();
      const original = browser.get.bind(browser);
      // Every request to the gateway claims to come through a proxy for another host.
      browser.get = (url, headers = {}) =>
        original(url, {
          ...headers,
          "x-forwarded-host": "pilotage.attaquant.example",
          "x-forwarded-proto": "https",
        });
      const { page } = await driveLogin(forged.baseUrl, DDETS, { browser });
      assert.equal(page.status, 200);
      assert.match(page.text, /id="identite-connectee">Camille Martin</);
    } finally {
      await forged.close();
    }
  });

  it("comes back to the page asked for before login, and never to another site", async () => {
    const { page } = await driveLogin(stack.baseUrl, DDETS, { returnTo: "/nulle-part?x=1" });
    assert.equal(new URL(page.url).pathname + new URL(page.url).search, "/nulle-part?x=1");
    assert.equal(page.status, 404, "the gateway's own 404 page, logged in");
    assert.match(page.text, /id="identite-connectee">Camille Martin</);
    for (const evil of ["//evil.example/x", "/\\evil.example", "https://evil.example/"]) {
      const { page: home } = await driveLogin(stack.baseUrl, DDETS, { returnTo: evil });
      assert.equal(home.url, `${stack.baseUrl}/tableaux-de-bord`, evil);
      assert.equal(home.hops.at(-2)?.url, `${stack.baseUrl}/`, evil);
    }
  });

  it("uses the provider's single sign-on: a second login skips its form", async () => {
    const browser = await loginAs(stack.baseUrl, DDETS);
    // The gateway's session is gone (say, expired); ProConnect's is not.
    browser.jar.delete("pilotage.sid");
    assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
    const second = await driveLogin(stack.baseUrl, DDETS, { browser });
    assert.equal(second.silent, true);
    assert.match(second.page.text, /id="identite-connectee">Camille Martin</);
  });

  it("logs out of both sessions through ProConnect's end-session, with a checked state", async () => {
    const browser = await loginAs(stack.baseUrl, DDETS);
    const sessionsBefore = await stack.sessionCount();
    const logoutStart = await startLogout(browser, stack.baseUrl);
    assert.equal(logoutStart.status, 303);
    const endSession = new URL(logoutStart.headers.get("location")!);
    assert.equal(`${endSession.origin}${endSession.pathname}`, `${stack.issuer}/session/end`);
    assert.deepEqual(Object.keys(Object.fromEntries(endSession.searchParams)).sort(), [
      "client_id",
      "id_token_hint",
      "post_logout_redirect_uri",
      "state",
    ]);
    assert.equal(
      endSession.searchParams.get("post_logout_redirect_uri"),
      `${stack.baseUrl}/deconnexion/callback`,
    );
    assert.ok(endSession.searchParams.get("state")!.length >= 32);

    // Already logged out of the gateway while at ProConnect's confirmation page.
    assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
    const confirmation = await browser.follow(endSession);
    assert.equal(confirmation.status, 200);
    assert.match(confirmation.text, /<h1>Déconnexion de ProConnect<\/h1>/);
    const form = formOf(confirmation, /\/session\/end\/confirm$/);
    assert.ok(form.fields.xsrf);
    const back = await browser.submit(form.action, { ...form.fields, logout: "yes" });
    assert.equal(new URL(back.url).pathname, "/deconnexion/callback");
    assert.equal(new URL(back.url).searchParams.get("state"), endSession.searchParams.get("state"));
    assert.equal(back.status, 200);
    assert.match(back.text, /<h1>Vous êtes déconnecté<\/h1>/);
    assert.match(back.text, /href="\/connexion">Se connecter<\/a>/);

    assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
    assert.equal(await stack.sessionCount(), sessionsBefore - 1);
    // ProConnect's session is over too: the next login shows the provider's form again (the
    // single sign-on test above shows it would not otherwise).
    const again = await driveLogin(stack.baseUrl, DDETS, { browser });
    assert.equal(again.silent, false);
  });

  it("refuses a logout return whose state was not issued to this browser", async () => {
    const browser = await loginAs(stack.baseUrl, DDETS);
    const logoutStart = await startLogout(browser, stack.baseUrl);
    assert.equal(logoutStart.status, 303);
    const page = await browser.follow(`${stack.baseUrl}/deconnexion/callback?state=${"x".repeat(43)}`);
    assert.equal(page.status, 400);
    assert.match(page.text, /<h1>Déconnexion non reconnue<\/h1>/);
    assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
  });

  it("guards routes with requireUser: login page for pages, 401 for the API, the user for others", async () => {
    // A feature router as another engineer would write it, on the same sessions.
    const app = express();
    app.use(sessionMiddleware({ config: stack.config, redis: stack.testStack.deps.redis }));
    app.use(enforceSessionLifetime({ config: stack.config, logger: stack.testStack.deps.logger }));
    const feature = express.Router();
    feature.use(requireUser);
    feature.get(["/tableaux-de-bord", "/api/tableaux"], (req, res) => {
      res.json({ email: requireSessionUser(req).email, sameAsGet: getSessionUser(req) === req.session.user });
    });
    app.use(feature);
    app.use(errorHandler);

    const page = await request(app).get("/tableaux-de-bord?departement=93").expect(303);
    assert.equal(page.headers.location, "/connexion?retour=%2Ftableaux-de-bord%3Fdepartement%3D93");
    const api = await request(app).get("/api/tableaux").expect(401);
    assert.equal(api.body.error, "unauthenticated");

    const browser = await loginAs(stack.baseUrl, DDETS, { returnTo: "/tableaux-de-bord?departement=93" });
    const cookie = browser.jar.headerFor(new URL(stack.baseUrl));
    const ok = await request(app).get("/api/tableaux").set("cookie", cookie).expect(200);
    assert.deepEqual(ok.body, { email: DDETS, sameAsGet: true });
  });

  it("answers /api/me with 401 JSON when nobody is logged in", async () => {
    const res = await new Browser().get(`${stack.baseUrl}/api/me`);
    assert.equal(res.status, 401);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(
      { ...body, requestId: "" },
      {
        error: "unauthenticated",
        message: "Vous devez vous connecter pour accéder à cette page.",
        requestId: "",
      },
    );
  });

  it("calls onLogin with the new user, and refuses the login when it throws", async () => {
    const seen: string[] = [];
    const hooked = await startLoginStack({
      onLogin: (user, req) => {
        seen.push(user.email);
        if (user.email === "inconnu@demo.pilotage.test") throw new Error("no profile");
        req.session.user = { ...user, givenName: `${user.givenName} (vu)` };
      },
    });
    try {
      const browser = await loginAs(hooked.baseUrl, DDETS);
      const me = (await (await browser.get(`${hooked.baseUrl}/api/me`)).json()) as { givenName: string };
      assert.equal(me.givenName, "Camille (vu)");
      const before = await hooked.sessionCount();
      const { page, browser: refused } = await driveLogin(hooked.baseUrl, "inconnu@demo.pilotage.test");
      assert.equal(page.status, 500);
      assert.equal((await refused.get(`${hooked.baseUrl}/api/me`)).status, 401);
      assert.equal(await hooked.sessionCount(), before);
      assert.deepEqual(seen, [DDETS, "inconnu@demo.pilotage.test"]);
    } finally {
      await hooked.close();
    }
  });
});
