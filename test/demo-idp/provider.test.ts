import assert from "node:assert/strict";
import { createHash, randomBytes, type JsonWebKey } from "node:crypto";
import express from "express";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { demoSubOf } from "../../src/demo-idp/claims.js";
import {
  createDemoIdentityProvider,
  generateSigningKeys,
  type DemoClient,
  type DemoIdentityProvider,
} from "../../src/demo-idp/provider.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { decodeJwt, verifyJwt } from "../support/jwt.js";
import { Browser, formOf, type Page } from "../support/login.js";

/**
 * The demo provider alone, driven by hand as a service provider would, to pin down how ProConnect-like
 * it is: discovery, routes, claims, signed userinfo, refresh tokens, errors, logout.
 */
const RP = "http://127.0.0.1:9"; // never contacted: redirects to it are read, not followed
const REDIRECT_URI = `${RP}/connexion/callback`;
const POST_LOGOUT_URI = `${RP}/deconnexion/callback`;
const SCOPES = "openid email given_name usual_name uid siret idp_id roles organization_label custom";

describe("demo ProConnect-like provider", () => {
  let server: RunningServer;
  let idp: DemoIdentityProvider;
  let issuer: string;
  const keys = generateSigningKeys();
  const client: DemoClient = {
    clientId: "sp-test",
    clientSecret: randomBytes(32).toString("hex"),
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  };
  const restricted: DemoClient = {
    ...client,
    clientId: "sp-restricted",
    scope: "openid email given_name usual_name",
  };

  before(async () => {
    let handler: express.Express | undefined;
    server = await startServer((req, res) => handler!(req, res), 0, "127.0.0.1");
    issuer = `${server.url}/api/v2`;
    idp = createDemoIdentityProvider({ issuer, clients: [client, restricted], jwks: keys });
    handler = express().use(idp.basePath, idp.router);
  });
  after(() => server.stop(1000));
  afterEach(() => {
    idp.accessDenied = undefined;
  });

  function authorizeUrl(params: Record<string, string> = {}) {
    const verifier = randomBytes(32).toString("base64url");
    const state = randomBytes(32).toString("base64url");
    const nonce = randomBytes(32).toString("base64url");
    const url = new URL(`${issuer}/authorize`);
    const all = {
      response_type: "code",
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope: SCOPES,
      state,
      nonce,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      claims: JSON.stringify({ id_token: { acr: null, amr: null } }),
      ...params,
    };
    for (const [key, value] of Object.entries(all)) url.searchParams.set(key, value);
    return { url, verifier, state, nonce };
  }

  const toRp = (url: URL) => url.origin === RP;

  /** Opens the login form, submits it, returns where the provider sent the browser back. */
  async function login(
    browser: Browser,
    url: URL,
    fields: Record<string, string>,
  ): Promise<{ form: Page; back: URL }> {
    const form = await browser.follow(url, { stopAt: toRp });
    assert.equal(form.status, 200, form.text);
    const action = formOf(form, /\/login$/);
    const answer = await browser.post(action.action, { ...action.fields, ...fields });
    const back = await browser.follow(answer, { from: action.action, stopAt: toRp });
    assert.equal(back.status, 0, `ended at the service provider, not on ${back.url}:\n${back.text}`);
    return { form, back: new URL(back.url) };
  }

  async function token(params: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        ...params,
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Record<string, unknown>;
  }

  const publicKey = (kid: unknown) => keys.keys.find((k) => k.kid === kid) as JsonWebKey;

  it("publishes ProConnect's discovery document under /api/v2", async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    const d = (await res.json()) as Record<string, unknown>;
    assert.equal(d.issuer, issuer);
    assert.deepEqual(
      {
        authorization_endpoint: d.authorization_endpoint,
        token_endpoint: d.token_endpoint,
        userinfo_endpoint: d.userinfo_endpoint,
        end_session_endpoint: d.end_session_endpoint,
        jwks_uri: d.jwks_uri,
        introspection_endpoint: d.introspection_endpoint,
        revocation_endpoint: d.revocation_endpoint,
      },
      {
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        end_session_endpoint: `${issuer}/session/end`,
        jwks_uri: `${issuer}/jwks`,
        introspection_endpoint: `${issuer}/token/introspection`,
        revocation_endpoint: `${issuer}/token/revocation`,
      },
    );
    assert.deepEqual(d.acr_values_supported, [
      "eidas0",
      "eidas0-mfa",
      "eidas1",
      "eidas1-mfa",
      "eidas2",
      "eidas3",
      "https://proconnect.gouv.fr/assurance/certification-dirigeant",
    ]);
    assert.deepEqual([...(d.id_token_signing_alg_values_supported as string[])].sort(), [
      "ES256",
      "HS256",
      "RS256",
    ]);
    assert.deepEqual([...(d.userinfo_signing_alg_values_supported as string[])].sort(), [
      "ES256",
      "HS256",
      "RS256",
    ]);
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ["client_secret_post"]);
    assert.deepEqual(d.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(d.response_types_supported, ["code"]);
    assert.equal(d.claims_parameter_supported, true);
    assert.equal(d.authorization_response_iss_parameter_supported, true);
    assert.equal(d.pushed_authorization_request_endpoint, undefined, "ProConnect has no PAR endpoint");
    const scopes = d.scopes_supported as string[];
    for (const scope of [
      ...SCOPES.split(" "),
      "siren",
      "organizational_unit",
      "belonging_population",
      "phone",
      "chorusdt",
    ]) {
      assert.ok(scopes.includes(scope), scope);
    }
    assert.ok(!scopes.includes("offline_access"));
    for (const claim of [
      "sub",
      "amr",
      "acr",
      "uid",
      "given_name",
      "usual_name",
      "siret",
      "idp_id",
      "idp_acr",
      "custom",
    ]) {
      assert.ok((d.claims_supported as string[]).includes(claim), claim);
    }
  });

  it("shows a French login form listing every demo account, posting a field named email", async () => {
    const page = await new Browser().follow(authorizeUrl().url, { stopAt: toRp });
    assert.equal(page.status, 200);
    assert.match(page.text, /<html lang="fr"/);
    assert.match(page.text, /<h1>Connexion à ProConnect<\/h1>/);
    assert.match(page.text, /Le service <strong>sp-test<\/strong> vous demande de vous identifier\./);
    const emails = [
      ...page.text.matchAll(/<input type="radio" id="compte-\d+" name="email" value="([^"]+)"/g),
    ].map((m) => m[1]);
    assert.deepEqual(
      emails,
      DEMO_ACCOUNTS.map((a) => a.email),
    );
    assert.match(page.text, /<select class="fr-select" id="acr" name="acr">/);
    assert.match(page.text, /Annuler et revenir au service/);
    assert.doesNotMatch(
      page.text,
      /<script|<style|style="/,
      "works under a CSP without inline script or style",
    );
  });

  it("runs the code flow: acr and amr from the form, signed userinfo with ProConnect's claims, refresh tokens", async () => {
    const browser = new Browser();
    const { url, verifier, state, nonce } = authorizeUrl();
    const email = "conseiller.ft69@demo.pilotage.test";
    const { back } = await login(browser, url, { email, acr: "eidas1-mfa" });
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI);
    assert.equal(back.searchParams.get("state"), state);
    assert.equal(back.searchParams.get("iss"), issuer);
    const code = back.searchParams.get("code")!;

    const tokens = await token({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    assert.deepEqual(Object.keys(tokens).sort(), [
      "access_token",
      "expires_in",
      "id_token",
      "refresh_token",
      "scope",
      "token_type",
    ]);
    assert.equal(tokens.expires_in, 3600);
    const idToken = decodeJwt(String(tokens.id_token));
    assert.equal(idToken.header.alg, "RS256");
    assert.ok(verifyJwt(String(tokens.id_token), publicKey(idToken.header.kid)));
    const sub = demoSubOf(email);
    assert.match(sub, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { ...idToken.payload, exp: 0, iat: 0, auth_time: 0 },
      {
        sub,
        nonce,
        acr: "eidas1-mfa",
        amr: ["pwd", "otp", "mfa"],
        aud: client.clientId,
        iss: issuer,
        exp: 0,
        iat: 0,
        auth_time: 0,
      },
    );

    const userinfo = await fetch(`${issuer}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(userinfo.headers.get("content-type"), "application/jwt; charset=utf-8");
    const jwt = await userinfo.text();
    const signed = decodeJwt(jwt);
    assert.equal(signed.header.alg, "RS256");
    assert.ok(verifyJwt(jwt, publicKey(signed.header.kid)));
    assert.deepEqual(
      { ...signed.payload, exp: 0, iat: 0 },
      {
        sub,
        email,
        given_name: "Sacha",
        usual_name: "Richard",
        uid: "ft-srichard",
        siret: "13000548100697",
        idp_id: "france-travail",
        roles: ["agent_public"],
        organization_label: "FRANCE TRAVAIL",
        custom: { structureTravail: "69181" },
        aud: client.clientId,
        iss: issuer,
        exp: 0,
        iat: 0,
      },
    );

    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: String(tokens.refresh_token),
    });
    assert.ok(refreshed.access_token && refreshed.access_token !== tokens.access_token);
    const again = await fetch(`${issuer}/userinfo`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(again.status, 200);
  });

  it("keeps the user on the form, in French, for an email that is not a demo account", async () => {
    const browser = new Browser();
    const form = await browser.follow(authorizeUrl().url, { stopAt: toRp });
    const action = formOf(form, /\/login$/);
    const res = await browser.post(action.action, { email: "personne@exemple.fr", acr: "eidas1" });
    assert.equal(res.status, 400);
    assert.match(
      await res.text(),
      /<p id="erreur-connexion">Adresse inconnue : choisissez l&#39;un des comptes de démonstration\.<\/p>/,
    );
  });

  it("answers access_denied while the error-test switch is on", async () => {
    idp.accessDenied = "authentication aborted due to invalid identity";
    const { url, state } = authorizeUrl();
    const { back } = await login(new Browser(), url, { email: DEMO_ACCOUNTS[0]!.email, acr: "eidas1" });
    assert.deepEqual(Object.fromEntries(back.searchParams), {
      error: "access_denied",
      error_description: "authentication aborted due to invalid identity",
      state,
      iss: issuer,
    });
  });

  it("answers access_denied when the person cancels", async () => {
    const browser = new Browser();
    const form = await browser.follow(authorizeUrl().url, { stopAt: toRp });
    const cancel = formOf(form, /\/abort$/);
    const answer = await browser.post(cancel.action, cancel.fields);
    const back = await browser.follow(answer, { from: cancel.action, stopAt: toRp });
    assert.equal(back.status, 0);
    const params = new URL(back.url).searchParams;
    assert.equal(params.get("error"), "access_denied");
    assert.equal(params.get("error_description"), "End-User aborted interaction");
  });

  it("answers access_denied, as ProConnect does, when essential ACR values cannot be met", async () => {
    const { url } = authorizeUrl({
      claims: JSON.stringify({
        id_token: { acr: { essential: true, values: ["eidas2", "eidas3"] }, amr: null },
      }),
    });
    const browser = new Browser();
    const { form, back } = await login(browser, url, { email: DEMO_ACCOUNTS[0]!.email, acr: "eidas1" });
    assert.match(form.text, /Niveaux acceptés par le service : eidas2, eidas3/);
    assert.match(form.text, /<option value="eidas2" selected>eidas2<\/option>/);
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.equal(back.searchParams.get("error_description"), "requested ACRs could not be satisfied");
  });

  it("refuses a known scope the client is not allowed, like ProConnect", async () => {
    const { url } = authorizeUrl({ client_id: restricted.clientId, scope: "openid email siret" });
    const page = await new Browser().follow(url, { stopAt: toRp });
    const back = new URL(page.url);
    assert.equal(back.searchParams.get("error"), "invalid_scope");
    assert.equal(back.searchParams.get("error_description"), "requested scope is not allowed");
  });

  it("ends the session after a French confirmation page, back to the service with its state", async () => {
    const browser = new Browser();
    const { url, verifier } = authorizeUrl();
    const { back } = await login(browser, url, { email: DEMO_ACCOUNTS[0]!.email, acr: "eidas1" });
    const tokens = await token({
      grant_type: "authorization_code",
      code: back.searchParams.get("code")!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    const end = new URL(`${issuer}/session/end`);
    end.searchParams.set("id_token_hint", String(tokens.id_token));
    end.searchParams.set("post_logout_redirect_uri", POST_LOGOUT_URI);
    end.searchParams.set("state", "etat-de-deconnexion-suffisamment-long-0123");
    const confirmation = await browser.follow(end, { stopAt: toRp });
    assert.equal(confirmation.status, 200);
    assert.match(confirmation.text, /<h1>Déconnexion de ProConnect<\/h1>/);
    assert.match(
      confirmation.text,
      /Voulez-vous fermer votre session ProConnect et revenir sur <strong>sp-test<\/strong> \?/,
    );
    assert.doesNotMatch(confirmation.text, /<script|<style|style="/);
    const form = formOf(confirmation, /\/session\/end\/confirm$/);
    const answer = await browser.post(form.action, { ...form.fields, logout: "yes" });
    assert.equal(answer.status, 303);
    assert.equal(
      answer.headers.get("location"),
      `${POST_LOGOUT_URI}?state=etat-de-deconnexion-suffisamment-long-0123`,
    );
    // The provider's session is over: a new authorization request shows the form again.
    const next = await browser.follow(authorizeUrl().url, { stopAt: toRp });
    assert.equal(next.status, 200);
    assert.match(next.text, /<h1>Connexion à ProConnect<\/h1>/);
  });

  it("shows a French page for an interaction that no longer exists", async () => {
    const page = await new Browser().follow(`${issuer}/interaction/inconnue`);
    assert.equal(page.status, 400);
    assert.match(page.text, /<h1>Demande de connexion expirée<\/h1>/);
  });
});
