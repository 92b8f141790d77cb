import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, loginAs } from "../support/login.js";

const ADMIN = "admin@demo.pilotage.test";
const EMPLOYER = "employeur.siae@demo.pilotage.test";

/** What browsers add to a form posted from a page of another origin (Sec-Fetch-Site), or older ones (Origin). */
const FOREIGN: Array<[string, Record<string, string>]> = [
  [
    "a page on another port of the same site",
    { "sec-fetch-site": "same-site", origin: "http://127.0.0.1:1" },
  ],
  ["another site", { "sec-fetch-site": "cross-site", origin: "https://site-tiers.example" }],
  ["another site, seen by a browser without Sec-Fetch-*", { origin: "https://site-tiers.example" }],
];

describe("state-changing requests from another origin", () => {
  let stack: LoginStack;
  before(async () => (stack = await startLoginStack()));
  after(() => stack.close());

  const profileKind = async (browser: Browser) =>
    ((await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as { profile?: { kind: string } }).profile
      ?.kind;

  for (const [from, headers] of FOREIGN) {
    it(`are refused before any handler runs (${from}): no preview started, no organisation chosen`, async () => {
      const admin = await loginAs(stack.baseUrl, ADMIN);
      const previews = (await readAudit(stack.testStack.deps.db, { action: "preview.started" })).length;
      const refused = await admin.post(
        `${stack.baseUrl}/admin/apercu`,
        { profil: "dreets", region: "11" },
        headers,
      );
      assert.equal(refused.status, 403);
      const text = await refused.text();
      assert.match(text, /elle doit venir d(&#39;|')une page de Pilotage de l(&#39;|')inclusion/);
      assert.match(text, /class="fr-/, "a DSFR page, not a bare message");
      assert.equal(await profileKind(admin), "staff", "no preview started");
      assert.equal(
        (await readAudit(stack.testStack.deps.db, { action: "preview.started" })).length,
        previews,
      );

      const employer = await loginAs(stack.baseUrl, EMPLOYER);
      const before = await (await employer.get(`${stack.baseUrl}/api/me`)).text();
      const organisation = await employer.post(
        `${stack.baseUrl}/organisation`,
        { organisation: "anything" },
        headers,
      );
      assert.equal(organisation.status, 403);
      assert.equal(await (await employer.get(`${stack.baseUrl}/api/me`)).text(), before);
    });
  }

  it("include the login button's post: another site cannot start a login in someone's browser", async () => {
    for (const [, headers] of FOREIGN) {
      const visitor = new Browser();
      const refused = await visitor.post(`${stack.baseUrl}/connexion`, {}, headers);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get("location"), null, "no redirect to ProConnect");
    }
  });

  it("still accept the same posts from the gateway's own pages, and from clients that are not browsers", async () => {
    const admin = await loginAs(stack.baseUrl, ADMIN);
    const sameOrigin = await admin.post(
      `${stack.baseUrl}/admin/apercu`,
      { profil: "dreets", region: "11" },
      { "sec-fetch-site": "same-origin", origin: stack.baseUrl },
    );
    assert.equal(sameOrigin.status, 303);
    assert.equal(await profileKind(admin), "dreets");
    const quit = await admin.post(`${stack.baseUrl}/admin/apercu/quitter`, {});
    assert.equal(quit.status, 303, "no Sec-Fetch-Site, no Origin: not a browser's cross-site form");
    assert.equal(await profileKind(admin), "staff");
  });
});
