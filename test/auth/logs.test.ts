import assert from "node:assert/strict";
import { captureLogger } from "../support/app.js";
import { sessionIdOf, sessionKeyOf, startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, driveLogin, formOf, startLogout } from "../support/login.js";

const DDETS = "agent.ddets93@demo.pilotage.test";

describe("logs of a full login", () => {
  let stack: LoginStack;
  let lines: string[];
  before(async () => {
    const captured = captureLogger("trace");
    lines = captured.lines;
    stack = await startLoginStack({ proxy: true, logger: captured.logger });
  });
  after(() => stack.close());

  it("hold no token, secret, code, state, nonce, PKCE verifier or cookie value", async () => {
    const secrets = new Map<string, string>([
      ["client secret", stack.clientSecret],
      ["session secret", stack.config.session.secret],
    ]);
    const browser = new Browser();
    const redis = stack.testStack.deps.redis!;
    const { page, callbackUrl } = await driveLogin(stack.baseUrl, DDETS, {
      browser,
      rewriteCallbackUrl: async (url) => {
        secrets.set("pre-login session id", sessionIdOf(browser));
        const session = JSON.parse((await redis.get(sessionKeyOf(browser)))!) as {
          login: { state: string; nonce: string; codeVerifier: string };
        };
        secrets.set("state", session.login.state);
        secrets.set("nonce", session.login.nonce);
        secrets.set("PKCE verifier", session.login.codeVerifier);
        return url;
      },
    });
    assert.equal(page.status, 200);
    secrets.set("authorization code", callbackUrl!.searchParams.get("code")!);
    const [tokens] = stack.proxy!.tokenResponses.slice(-1);
    assert.ok(tokens);
    for (const name of ["access_token", "id_token", "refresh_token"]) secrets.set(name, String(tokens[name]));
    secrets.set("ID token signature", String(tokens.id_token).split(".")[2]!);

    assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 200);
    for (const cookie of browser.jar.all()) secrets.set(`cookie ${cookie.name}`, cookie.value);
    secrets.set("session id", sessionIdOf(browser));

    const logout = await startLogout(browser, stack.baseUrl);
    assert.equal(logout.status, 303);
    const endSession = new URL(logout.headers.get("location")!);
    secrets.set("logout state", endSession.searchParams.get("state")!);
    const confirmation = await browser.follow(endSession);
    const form = formOf(confirmation, /\/session\/end\/confirm$/);
    secrets.set("logout xsrf", form.fields.xsrf!);
    const back = await browser.submit(form.action, { ...form.fields, logout: "yes" });
    assert.equal(back.status, 200);

    // A refused login logs its reason; nothing of the request either.
    const refused = await driveLogin(stack.baseUrl, DDETS, {
      rewriteCallbackUrl: (url) => {
        secrets.set("refused login code", url.searchParams.get("code")!);
        url.searchParams.set("state", "x".repeat(43));
        return url;
      },
    });
    assert.equal(refused.page.status, 400);

    // The capture works: the steps of the flow are in the logs.
    const text = lines.join("\n");
    for (const expected of [
      '"path":"/connexion/callback"',
      '"msg":"login"',
      '"msg":"logout"',
      '"msg":"login refused"',
    ]) {
      assert.ok(text.includes(expected), `logs mention ${expected}`);
    }
    for (const [name, value] of secrets) {
      assert.ok(value.length >= 16, `${name} is a real value`);
      const leaks = lines.filter((line) => line.includes(value));
      assert.deepEqual(leaks, [], `${name} appears in the logs`);
    }
  });
});
