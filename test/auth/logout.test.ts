import assert from "node:assert/strict";
import { captureLogger } from "../support/app.js";
import { sessionKeyOf, startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, formOf, loginAs, startLogout } from "../support/login.js";

const DDETS = "agent.ddets93@demo.pilotage.test";
const OTHER_SITE = "https://site-tiers.example";

const mainOf = (html: string) => /<main\b[\s\S]*<\/main>/.exec(html)?.[0] ?? "";

describe("logout only by a POST from this site", () => {
  let stack: LoginStack;
  let lines: string[];
  before(async () => {
    const captured = captureLogger();
    lines = captured.lines;
    stack = await startLoginStack({ logger: captured.logger });
  });
  after(() => stack.close());

  /** The gateway session a browser holds, as stored in Redis. */
  const storedSession = async (browser: Browser) => {
    const raw = await stack.testStack.deps.redis!.get(sessionKeyOf(browser));
    assert.ok(raw, "the session is in Redis");
    const { cookie: _cookie, ...data } = JSON.parse(raw) as Record<string, unknown>;
    return data;
  };

  it("GET /deconnexion logs nobody out: another site's <img> leaves the session as it was", async () => {
    const browser = await loginAs(stack.baseUrl, DDETS);
    const before = await storedSession(browser);
    assert.deepEqual(Object.keys(before).sort(), ["proconnect", "profile", "user"]);
    const cookie = browser.jar.get("pilotage.sid")!.value;

    // What an <img src="…/deconnexion"> on another site sends (the cookie rides along on a GET).
    const res = await browser.get(`${stack.baseUrl}/deconnexion`, {
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "no-cors",
      "sec-fetch-dest": "image",
      referer: `${OTHER_SITE}/piege.html`,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("location"), null);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const text = await res.text();
    assert.match(text, /<h1>Se déconnecter<\/h1>/);
    assert.match(mainOf(text), /Vous êtes connecté à Pilotage de l'inclusion\./);
    assert.doesNotMatch(text, /id="deconnexion-ignoree"/);

    assert.equal(
      browser.jar.get("pilotage.sid")?.value,
      cookie,
      "the cookie is neither cleared nor replaced",
    );
    assert.deepEqual(await storedSession(browser), before);
    const me = await browser.get(`${stack.baseUrl}/api/me`);
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, DDETS);
  });

  it("GET /deconnexion shows a logout button (a form), so an old bookmark still works in one click", async () => {
    const browser = await loginAs(stack.baseUrl, DDETS);
    const page = await browser.follow(`${stack.baseUrl}/deconnexion`);
    assert.equal(page.status, 200);
    assert.match(
      mainOf(page.text),
      /<form method="post" action="\/deconnexion">\s*<button class="fr-btn fr-btn--icon-left fr-icon-logout-box-r-line" type="submit">Se déconnecter<\/button>\s*<\/form>/,
    );
    assert.doesNotMatch(page.text, /<script>|<style|style="/);
    const form = formOf({ url: page.url, text: mainOf(page.text) }, /^\/deconnexion$/);
    const res = await browser.post(form.action, form.fields, {
      origin: stack.baseUrl,
      "sec-fetch-site": "same-origin",
    });
    assert.equal(res.status, 303);
    const endSession = new URL(res.headers.get("location")!);
    assert.equal(`${endSession.origin}${endSession.pathname}`, `${stack.issuer}/session/end`);
    assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401);
  });

  it("GET /deconnexion for nobody: says so, stores nothing", async () => {
    const res = await new Browser().get(`${stack.baseUrl}/deconnexion`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getSetCookie(), []);
    const main = mainOf(await res.text());
    assert.match(main, /<p class="fr-text--lead">Vous n'êtes pas connecté\.<\/p>/);
    assert.match(main, /<a class="fr-btn fr-btn--secondary" href="\/connexion">Se connecter<\/a>/);
    assert.doesNotMatch(main, /<form/);
  });

  it("refuses a POST from another origin, even one the session cookie reaches: 403, the session untouched", async () => {
    const gateway = new URL(stack.baseUrl);
    const senders: Array<Record<string, string>> = [
      { origin: OTHER_SITE, "sec-fetch-site": "cross-site" },
      // Another port of the same host is the same *site*: SameSite=Lax lets the cookie through.
      { origin: `${gateway.protocol}//${gateway.hostname}:1`, "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "same-site" },
      // A browser that does not send Sec-Fetch-Site still sends Origin on a POST.
      { origin: OTHER_SITE },
      { origin: `https://${gateway.host}` },
      { origin: "null" },
    ];
    const browser = await loginAs(stack.baseUrl, DDETS);
    const before = await storedSession(browser);
    const cookie = browser.jar.get("pilotage.sid")!.value;
    const refusedBefore = lines.filter((line) => line.includes('"msg":"logout refused"')).length;
    for (const headers of senders) {
      const label = JSON.stringify(headers);
      const res = await browser.post(`${stack.baseUrl}/deconnexion`, {}, headers);
      assert.equal(res.status, 403, label);
      assert.equal(res.headers.get("location"), null, label);
      const main = mainOf(await res.text());
      assert.match(
        main,
        /<div class="fr-alert fr-alert--warning fr-alert--sm fr-mb-3w" id="deconnexion-ignoree">\s*<p>Cette demande de déconnexion venait d'un autre site : elle a été ignorée\.<\/p>/,
        label,
      );
      // The person can still log out, on purpose, from this page.
      assert.match(main, /<form method="post" action="\/deconnexion">/, label);
      assert.ok(
        res.headers.getSetCookie().every((c) => !/Expires=Thu, 01 Jan 1970/.test(c)),
        `${label}: no cookie cleared`,
      );
      assert.equal(browser.jar.get("pilotage.sid")?.value, cookie, label);
      assert.deepEqual(await storedSession(browser), before, label);
      assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 200, label);
    }
    const refused = lines.filter((line) => line.includes('"msg":"logout refused"')).slice(refusedBefore);
    assert.equal(refused.length, senders.length);
    assert.ok(refused.every((line) => line.includes('"reason":"cross_origin"')));
  });

  it("a POST from another origin without the session cookie (SameSite=Lax kept it back) clears no cookie", async () => {
    const res = await new Browser().post(
      `${stack.baseUrl}/deconnexion`,
      {},
      { origin: OTHER_SITE, "sec-fetch-site": "cross-site" },
    );
    assert.equal(res.status, 403);
    // A top-level navigation may set cookies: clearing pilotage.sid here would log the person out.
    assert.deepEqual(res.headers.getSetCookie(), []);
    const main = mainOf(await res.text());
    assert.match(main, /id="deconnexion-ignoree"/);
    assert.match(main, /Vous n'êtes pas connecté\./);
  });

  it("a POST of this site without a session goes to the home page and touches no other session", async () => {
    const someoneElse = await loginAs(stack.baseUrl, DDETS);
    const sessions = await stack.sessionCount();
    const browser = new Browser();
    const res = await browser.post(
      `${stack.baseUrl}/deconnexion`,
      {},
      { origin: stack.baseUrl, "sec-fetch-site": "same-origin" },
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/");
    const home = await browser.follow(res, { from: `${stack.baseUrl}/deconnexion` });
    assert.equal(home.status, 200);
    assert.equal(await stack.sessionCount(), sessions);
    assert.equal((await someoneElse.get(`${stack.baseUrl}/api/me`)).status, 200);
  });

  describe("ProConnect's two callbacks end no session they did not start (logout CSRF)", () => {
    /** What a link or an <img> on another site sends when it points at the gateway. */
    const CROSS_SITE = {
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "navigate",
      referer: `${OTHER_SITE}/piege.html`,
    };

    /** The refusal page for a logged-in person: French, the person still shown as logged in. */
    async function assertIgnored(res: Response, title: string, message: string, label: string) {
      assert.equal(res.status, 400, label);
      assert.equal(res.headers.get("location"), null, label);
      assert.ok(
        res.headers.getSetCookie().every((c) => !/Expires=Thu, 01 Jan 1970/.test(c)),
        `${label}: no cookie cleared`,
      );
      const text = await res.text();
      assert.match(text, new RegExp(`<h1>${title}</h1>`), label);
      assert.ok(text.includes(message), `${label}: ${mainOf(text)}`);
      assert.match(text, /id="identite-connectee">Camille Martin</, `${label}: still logged in`);
      assert.match(mainOf(text), /<a class="fr-btn" href="\/">Retour à l&#39;accueil<\/a>/, label);
    }

    it("GET /connexion/callback without this browser's login in flight: refused, the session untouched", async () => {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const before = await storedSession(browser);
      const cookie = browser.jar.get("pilotage.sid")!.value;
      const ignoredBefore = lines.filter((l) => l.includes('"reason":"login_callback_ignored"')).length;
      const forged = [
        "/connexion/callback",
        `/connexion/callback?code=${"c".repeat(43)}&state=${"s".repeat(43)}`,
        `/connexion/callback?error=access_denied&state=${"s".repeat(43)}`,
        `/connexion/callback?code=x&state=`,
        `/connexion/callback?code=x&state=a&state=b`,
      ];
      for (const path of forged) {
        const res = await browser.get(`${stack.baseUrl}${path}`, CROSS_SITE);
        await assertIgnored(
          res,
          "Retour de connexion ignoré",
          "Ce retour de ProConnect ne correspond à aucune connexion demandée depuis ce navigateur : il a été ignoré, et vous restez connecté.",
          path,
        );
        assert.equal(browser.jar.get("pilotage.sid")?.value, cookie, path);
        assert.deepEqual(await storedSession(browser), before, path);
        assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 200, path);
      }
      const ignored = lines.filter((l) => l.includes('"reason":"login_callback_ignored"')).length;
      assert.equal(ignored - ignoredBefore, forged.length);
    });

    it("a forged callback spends nothing of a login in flight: the real answer still logs in", async () => {
      const browser = await loginAs(stack.baseUrl, DDETS);
      // A logged-in person starts another login (the button still posts).
      const start = await browser.post(
        `${stack.baseUrl}/connexion`,
        {},
        {
          origin: stack.baseUrl,
          "sec-fetch-site": "same-origin",
        },
      );
      assert.equal(start.status, 303);
      const inFlight = await storedSession(browser);
      assert.ok(inFlight.login, "a login transaction in the session");
      const res = await browser.get(
        `${stack.baseUrl}/connexion/callback?code=x&state=${"s".repeat(43)}`,
        CROSS_SITE,
      );
      assert.equal(res.status, 400);
      assert.deepEqual(await storedSession(browser), inFlight, "the transaction is still there");

      const gateway = new URL(stack.baseUrl);
      let callback: URL | undefined;
      await browser.follow(new URL(start.headers.get("location")!), {
        stopAt: (url) => {
          if (url.origin === gateway.origin && url.pathname === "/connexion/callback") callback = url;
          return callback !== undefined;
        },
      });
      assert.ok(callback, "the provider answers at once (single sign-on)");
      const page = await browser.follow(callback);
      assert.equal(page.status, 200);
      assert.match(page.text, /id="identite-connectee">Camille Martin</);
    });

    it("GET /deconnexion/callback checks its state before anything: a forged one ends no session", async () => {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const before = await storedSession(browser);
      const cookie = browser.jar.get("pilotage.sid")!.value;
      for (const path of ["/deconnexion/callback", `/deconnexion/callback?state=${"s".repeat(43)}`]) {
        const res = await browser.get(`${stack.baseUrl}${path}`, CROSS_SITE);
        await assertIgnored(
          res,
          "Déconnexion non reconnue",
          "Ce retour de ProConnect ne correspond à aucune déconnexion demandée depuis ce navigateur : il a été ignoré, et vous restez connecté.",
          path,
        );
        assert.equal(browser.jar.get("pilotage.sid")?.value, cookie, path);
        assert.deepEqual(await storedSession(browser), before, path);
        assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 200, path);
      }
    });

    it("a forged logout return spends nothing of a logout in flight: the real one still completes", async () => {
      const browser = await loginAs(stack.baseUrl, DDETS);
      const start = await startLogout(browser, stack.baseUrl);
      assert.equal(start.status, 303);
      const pending = await storedSession(browser);
      assert.deepEqual(Object.keys(pending), ["logout"]);
      const forged = await browser.get(
        `${stack.baseUrl}/deconnexion/callback?state=${"s".repeat(43)}`,
        CROSS_SITE,
      );
      assert.equal(forged.status, 400);
      assert.match(await forged.text(), /<h1>Déconnexion non reconnue<\/h1>/);
      assert.deepEqual(await storedSession(browser), pending);

      const confirmation = await browser.follow(new URL(start.headers.get("location")!));
      const form = formOf(confirmation, /\/session\/end\/confirm$/);
      const back = await browser.submit(form.action, { ...form.fields, logout: "yes" });
      assert.equal(new URL(back.url).pathname, "/deconnexion/callback");
      assert.equal(back.status, 200);
      assert.match(back.text, /<h1>Vous êtes déconnecté<\/h1>/);
    });
  });
});
