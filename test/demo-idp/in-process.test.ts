import assert from "node:assert/strict";
import type { RequestListener } from "node:http";
import { createApp } from "../../src/app.js";
import { proconnectRedirectUris } from "../../src/auth/routes.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_PROVIDER_PATH, inProcessDemoProvider } from "../../src/demo-idp/in-process.js";
import { ConfigError } from "../../src/errors.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { openTestStack, type TestStack } from "../support/app.js";
import { Browser, driveLogin, formOf, loginAs, startLogout } from "../support/login.js";
import { testConfig } from "../support/services.js";

const GATEWAY_CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';frame-src 'none';frame-ancestors 'none';object-src 'none';base-uri 'self';form-action 'self'";

describe("the demo provider in the gateway's process (npm run demo)", () => {
  it("is never mounted in production", () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: "production" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.includes(
          "PROCONNECT_ISSUER : obligatoire en production (sinon le fournisseur d'identité de démonstration est utilisé)",
        ),
    );
    // Even with a configuration that slipped through, the wiring refuses.
    const config = { ...testConfig(), env: "production" as const };
    assert.throws(
      () => inProcessDemoProvider(config, proconnectRedirectUris(config.http.publicUrl)),
      /ne peut pas être monté en production/,
    );
  });

  it("is not mounted when a ProConnect issuer is configured", () => {
    const config = testConfig({
      PROCONNECT_ISSUER: "https://fca.integ01.dev-agentconnect.fr/api/v2",
      PROCONNECT_CLIENT_ID: "client",
      PROCONNECT_CLIENT_SECRET: "c".repeat(40),
    });
    assert.equal(inProcessDemoProvider(config, proconnectRedirectUris(config.http.publicUrl)), undefined);
  });

  it("points the gateway at itself, with a client secret drawn at start", () => {
    const config = testConfig({ PUBLIC_URL: "http://localhost:3000" });
    const demo = inProcessDemoProvider(config, proconnectRedirectUris(config.http.publicUrl))!;
    assert.equal(demo.mount.path, "/demo-proconnect/api/v2");
    assert.equal(demo.config.proconnect.issuer, "http://localhost:3000/demo-proconnect/api/v2");
    assert.equal(demo.config.proconnect.clientId, "pilotage-demo");
    assert.ok(demo.config.proconnect.clientSecret && demo.config.proconnect.clientSecret.length >= 32);
    const other = inProcessDemoProvider(config, proconnectRedirectUris(config.http.publicUrl))!;
    assert.notEqual(other.config.proconnect.clientSecret, demo.config.proconnect.clientSecret);
  });

  describe("a demo gateway, sessions and limits in memory", () => {
    let server: RunningServer;
    let stack: TestStack;
    let baseUrl: string;
    before(async () => {
      let handler: RequestListener | undefined;
      server = await startServer((req, res) => handler!(req, res), 0, "127.0.0.1");
      baseUrl = server.url;
      const config = testConfig({ PUBLIC_URL: baseUrl });
      const demo = inProcessDemoProvider(config, proconnectRedirectUris(baseUrl))!;
      stack = await openTestStack({ config: demo.config, redis: "none" });
      handler = createApp({ ...stack.deps, demoIdentityProvider: demo.mount });
    });
    after(async () => {
      await server.stop(1000);
      await stack.close();
    });

    it("logs agent.ddets93 in through the in-process provider and out of both sessions", async () => {
      const loginPage = await new Browser().follow(`${baseUrl}/connexion`);
      assert.match(
        loginPage.text,
        /Démonstration : le bouton mène à un fournisseur d'identité de démonstration/,
      );

      const { browser, page } = await driveLogin(baseUrl, "agent.ddets93@demo.pilotage.test");
      assert.equal(page.url, `${baseUrl}/tableaux-de-bord`, "the home page sends a placed person to the hub");
      assert.match(page.text, /id="identite-connectee">Camille Martin</);
      const me = (await (await browser.get(`${baseUrl}/api/me`)).json()) as { displayName: string };
      assert.equal(me.displayName, "Camille Martin");

      const start = await startLogout(browser, baseUrl);
      const logout = await browser.follow(start, { from: start.url });
      assert.equal(new URL(logout.url).pathname, `${DEMO_PROVIDER_PATH}/session/end`);
      const form = formOf(logout, /\/session\/end\/confirm$/);
      const back = await browser.submit(form.action, { ...form.fields, logout: "yes" });
      assert.match(back.text, /<h1>Vous êtes déconnecté<\/h1>/);
      assert.equal((await browser.get(`${baseUrl}/api/me`)).status, 401);
      const again = await driveLogin(baseUrl, "agent.ddets93@demo.pilotage.test", { browser });
      assert.equal(again.silent, false, "the provider's session ended too");
    });

    it("serves the provider's pages under the gateway's CSP, without inline script or style", async () => {
      const browser = new Browser();
      const button = formOf(await browser.follow(`${baseUrl}/connexion`), /^\/connexion$/);
      const providerPage = await browser.submit(button.action, button.fields);
      assert.match(providerPage.url, new RegExp(`^${baseUrl}${DEMO_PROVIDER_PATH}/interaction/`));
      assert.equal(providerPage.headers.get("content-security-policy"), GATEWAY_CSP);
      assert.doesNotMatch(providerPage.text, /<script|<style|style="/);
      const css = await browser.get(`${baseUrl}${DEMO_PROVIDER_PATH}/static/dsfr/dsfr.min.css`);
      assert.equal(css.status, 200);

      const logged = await loginAs(baseUrl, "admin@demo.pilotage.test");
      const start = await startLogout(logged, baseUrl);
      const confirmation = await logged.follow(start, { from: start.url });
      assert.equal(confirmation.headers.get("content-security-policy"), GATEWAY_CSP);
      assert.doesNotMatch(confirmation.text, /<script|<style|style="/);
    });
  });
});
