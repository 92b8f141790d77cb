import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { createGrant, grantsFor, revokeGrant } from "../../src/perimeter/grants.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import {
  documentedAccess,
  documentedProfile,
  IDF_DEPARTEMENTS,
  profileOfMe,
  type MeAnswer,
} from "../support/demo-profiles.js";
import { loginAs, type Browser } from "../support/login.js";
import { ownUnknownAccount } from "../support/unknown-account.js";

/**
 * Issue 6 acceptance, through the real login: each demo account of PRODUCT.md §6 lands on its documented
 * profile and perimeter; the unknown person gets the request-access page; an approved request gives
 * access at the next login; a revoked grant stops within the cache delay; and the authorisation matrix
 * over every dashboard of metabase-config/.
 */
// The unknown person whose request this suite approves: its own, so inconnu@ stays unplaced for every suite.
const REQUESTER = ownUnknownAccount("journeys");

describe("perimeters through the real login (issue 6)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  const browsers = new Map<string, Browser>();
  /** The last audit row written before this suite: other suites write to the same log. */
  let auditBefore = 0;
  const me = async (browser: Browser) =>
    (await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as MeAnswer;

  before(async () => {
    // A placement cached for one second, so a grant change shows without a new login.
    stack = await startLoginStack({
      env: { PLACEMENT_CACHE_SECONDS: "1" },
      provider: { accounts: [...DEMO_ACCOUNTS, REQUESTER] },
    });
    auditBefore = (await readAudit(stack.testStack.deps.db, { limit: 1 }))[0]?.id ?? 0;
  });
  after(async () => {
    // The database outlives the suite: leave the requester as unplaced as it found them.
    if (stack) {
      const subject = { sub: stack.provider.subOf(REQUESTER.email), email: REQUESTER.email };
      for (const grant of await grantsFor(stack.testStack.deps.db, subject)) {
        if (!grant.revokedAt)
          await revokeGrant(stack.testStack.deps.db, grant.id, "admin@demo.pilotage.test");
      }
    }
    await stack?.close();
  });

  for (const account of DEMO_ACCOUNTS) {
    it(`places ${account.email} on ${account.expected.profile} — ${account.expected.perimeter}`, async () => {
      const browser = await loginAs(stack.baseUrl, account.email);
      browsers.set(account.email, browser);
      const documented = documentedProfile(account.email);
      const mine = await me(browser);
      if (documented === null) {
        assert.equal(mine.profile, null);
        return;
      }
      assert.equal(mine.profile?.kind, documented.kind);
      assert.deepEqual(profileOfMe(mine)?.perimeter, documented.perimeter);
    });
  }

  it("sends the unknown person to the request-access page, with the reason, and never a default perimeter", async () => {
    const browser =
      browsers.get("inconnu@demo.pilotage.test") ??
      (await loginAs(stack.baseUrl, "inconnu@demo.pilotage.test"));
    const page = await browser.follow(`${stack.baseUrl}/`);
    assert.equal(new URL(page.url).pathname, "/demande-acces");
    assert.match(page.text, /<h1>Demander un accès<\/h1>/);
    assert.match(page.text, /Votre organisation ne figure pas parmi celles que nous connaissons\./);
    const api = await browser.get(`${stack.baseUrl}/api/questions`);
    assert.ok(
      api.status === 403 || api.status === 404,
      `no data API for an unplaced person (got ${api.status})`,
    );
  });

  it("writes every placement decision to the audit log", async () => {
    for (const account of DEMO_ACCOUNTS) {
      if (!browsers.has(account.email))
        browsers.set(account.email, await loginAs(stack.baseUrl, account.email));
    }
    // Only this suite's rows: another suite's logins must not stand in for ours.
    const rows = (
      await readAudit(stack.testStack.deps.db, { action: "placement.decided", limit: 500 })
    ).filter((r) => r.id > auditBefore);
    for (const account of DEMO_ACCOUNTS) {
      assert.ok(
        rows.some((r) => r.actorEmail === account.email),
        account.email,
      );
    }
    const unknown = rows.find((r) => r.actorEmail === "inconnu@demo.pilotage.test");
    assert.equal(unknown?.details.refusal, "unknown_organisation");
  });

  it("lets the unknown person request access, admin approve it, and the next login see the dashboards", async () => {
    const person = await loginAs(stack.baseUrl, REQUESTER.email);
    assert.equal((await me(person)).profile, null, "the requester starts unplaced");
    const sent = await person.submit(`${stack.baseUrl}/demande-acces`, {
      organisation: "Association inconnue, Saint-Denis",
      role: "Chargée de mission IAE",
      reason: "Suivre les candidatures reçues par les SIAE de Seine-Saint-Denis",
    });
    assert.match(sent.text, /Votre demande a été envoyée/);

    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const list = await admin.follow(`${stack.baseUrl}/admin/demandes`);
    // This requester's request, whatever else is pending in the shared database.
    const heading = new RegExp(
      `id="demande-(\\d+)">Demande n° \\d+ — [^<]*\\(${REQUESTER.email.replaceAll(".", "\\.")}\\)</h2>`,
    );
    const id = heading.exec(list.text)?.[1];
    assert.ok(id, "the pending request is listed");
    const approved = await admin.submit(`${stack.baseUrl}/admin/demandes/${id}/accepter`, {
      kind: "prescripteur",
      organisation_label: "Association inconnue",
      departements: "93",
      region: "11",
    });
    assert.match(approved.text, /Demande acceptée : l&#39;accès est créé\./);

    const again = await loginAs(stack.baseUrl, REQUESTER.email);
    const after = await me(again);
    assert.equal(after.profile?.kind, "prescripteur");
    assert.deepEqual(profileOfMe(after)?.perimeter, { departements: ["93"], region: "11" });
  });

  it("refuses the staff pages to anyone but staff", async () => {
    const ddets =
      browsers.get("agent.ddets93@demo.pilotage.test") ??
      (await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test"));
    for (const path of ["/admin/demandes", "/admin/acces", "/admin/apercu"]) {
      const res = await ddets.get(`${stack.baseUrl}${path}`);
      assert.equal(res.status, 403, path);
    }
  });

  it("stops a revoked grant within the cache delay, without a new login", async () => {
    const db = stack.testStack.deps.db;
    const browser = await loginAs(stack.baseUrl, "employeur.siae@demo.pilotage.test");
    assert.equal((await me(browser)).profile?.kind, "employeur_siae");
    const grant = await createGrant(db, {
      subject: { email: "employeur.siae@demo.pilotage.test" },
      kind: "reseau_iae",
      organisationLabel: "Réseau de test",
      perimeter: { reseau: 4, structures: [1004] },
      grantedBy: "admin@demo.pilotage.test",
    });
    let revoked = false;
    try {
      await new Promise((r) => setTimeout(r, 1_200));
      assert.equal((await me(browser)).profile?.kind, "reseau_iae", "the grant wins once the cache expires");
      await revokeGrant(db, grant.id, "admin@demo.pilotage.test");
      revoked = true;
      await new Promise((r) => setTimeout(r, 1_200));
      assert.equal((await me(browser)).profile?.kind, "employeur_siae", "the revoked grant no longer counts");
    } finally {
      // A grant left active would make employeur.siae@ a network for every later suite.
      if (!revoked) await revokeGrant(db, grant.id, "admin@demo.pilotage.test");
    }
  });

  it("previews the product as a DREETS agent, bannered and audited", async () => {
    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const page = await admin.submit(`${stack.baseUrl}/admin/apercu`, {
      profil: "dreets-11",
      departement: "",
    });
    assert.match(page.text, /id="bandeau-apercu"/);
    const preview = await me(admin);
    assert.equal(preview.profile?.kind, "dreets");
    assert.deepEqual(profileOfMe(preview)?.perimeter, { departements: IDF_DEPARTEMENTS, region: "11" });
    const [audit] = await readAudit(stack.testStack.deps.db, { action: "preview.started", limit: 1 });
    assert.equal(audit?.actorEmail, "admin@demo.pilotage.test");
    await admin.submit(`${stack.baseUrl}/admin/apercu/quitter`, {});
    assert.equal((await me(admin)).profile?.kind, "staff");
  });

  describe("authorisation matrix, generated from metabase-config/", () => {
    it("gives every demo account × every dashboard the documented decision and lock values", async () => {
      const { catalog } = await testContent();
      assert.ok(catalog.dashboards.length >= 8);
      const rows: string[] = [];
      for (const account of DEMO_ACCOUNTS) {
        const documented = documentedProfile(account.email);
        const browser = browsers.get(account.email) ?? (await loginAs(stack.baseUrl, account.email));
        const placed = profileOfMe(await me(browser));
        for (const dashboard of catalog.dashboards) {
          const expected = documentedAccess(documented, dashboard);
          const actual = dashboardAccess(placed, dashboard);
          assert.deepEqual(
            actual.allowed ? { allowed: true, locks: actual.locks } : { allowed: false },
            expected,
            `${account.email} × ${dashboard.key}`,
          );
          rows.push(
            `${account.email.split("@")[0]} × ${dashboard.key}: ${actual.allowed ? "ouvert" : "refusé"}`,
          );
        }
      }
      assert.equal(rows.length, DEMO_ACCOUNTS.length * catalog.dashboards.length);
    });
  });
});
