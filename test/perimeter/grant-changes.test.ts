import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { DEMO_ACCOUNTS, type DemoAccount } from "../../src/demo/accounts.js";
import { createGrant, grantsFor, revokeGrant } from "../../src/perimeter/grants.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import type { MeAnswer } from "../support/demo-profiles.js";
import { loginAs, type Browser } from "../support/login.js";
import { ownUnknownAccount } from "../support/unknown-account.js";

/**
 * Issue 15: a grant binds to the ProConnect account that first uses it (sub and identity provider), staff
 * can re-bind it when the person's `sub` changes with their provider, and any change to a grant counts
 * from the person's next request — their open sessions end, nothing cached keeps the old placement — with
 * sessions in Redis (production) and in memory (the demo). Staff rights are read again on every staff
 * request.
 */

const ADMIN = DEMO_ACCOUNTS.find((a) => a.email === "admin@demo.pilotage.test")!;

for (const store of ["redis", "memory"] as const) {
  describe(`grant changes with sessions in ${store === "redis" ? "Redis" : "memory"}`, function () {
    this.timeout(60_000);
    const suite = `grant-changes-${store}`;
    // The person (unknown organisation) and the same address at another provider, another account.
    const person = ownUnknownAccount(suite);
    const elsewhere: DemoAccount = {
      ...person,
      email: person.email.replace(/^inconnu/, "Inconnu"),
      sub: `${suite}-other-account`,
      idpId: "fia1v2",
    };
    const staff: DemoAccount = {
      ...ADMIN,
      email: `admin.${suite}@demo.pilotage.test`,
      uid: `admin-${suite}`,
      sub: `${suite}-staff`,
    };
    let stack: LoginStack;
    const me = async (browser: Browser) => {
      const response = await browser.get(`${stack.baseUrl}/api/me`);
      return response.status === 200 ? ((await response.json()) as MeAnswer) : response.status;
    };
    const kindOf = async (browser: Browser) => {
      const answer = await me(browser);
      return typeof answer === "number" ? answer : (answer.profile?.kind ?? null);
    };
    const grantsOf = async (account: DemoAccount) =>
      grantsFor(stack.testStack.deps.db, {
        sub: stack.provider.subOf(account.email),
        email: account.email,
        idpId: account.idpId,
      });
    const grantsOfPerson = () => grantsOf(person);

    before(async () => {
      stack = await startLoginStack({
        provider: { accounts: [...DEMO_ACCOUNTS, person, elsewhere, staff] },
        ...(store === "memory" ? { redis: "none" as const } : {}),
      });
      await createGrant(stack.testStack.deps.db, {
        subject: { sub: staff.sub, idpId: staff.idpId, email: staff.email },
        kind: "staff",
        organisationLabel: "GIP Plateforme de l'inclusion",
        perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
        grantedBy: "test",
      });
    });
    afterEach(async () => {
      // The database outlives the suite: leave the person as unplaced as it found them.
      const db = stack.testStack.deps.db;
      for (const grant of await grantsOfPerson())
        if (!grant.revokedAt) await revokeGrant(db, grant.id, "test");
    });
    after(async () => {
      await stack?.close();
    });

    it("ends the person's open sessions when staff grant them access: the next login has it, bound to their account", async () => {
      const first = await loginAs(stack.baseUrl, person.email);
      const second = await loginAs(stack.baseUrl, person.email);
      assert.equal(await kindOf(first), null, "unplaced before");
      const admin = await loginAs(stack.baseUrl, staff.email);
      const page = await admin.submit(`${stack.baseUrl}/admin/acces`, {
        email: person.email,
        kind: "prescripteur",
        organisation_label: "Association inconnue",
        departements: "93",
      });
      assert.match(page.text, /Accès créé\./);
      assert.equal(await kindOf(first), 401, "the first open session has ended");
      assert.equal(await kindOf(second), 401, "and the second");
      assert.equal(await kindOf(admin), "staff", "the staff's own session goes on");

      const again = await loginAs(stack.baseUrl, person.email);
      assert.equal(await kindOf(again), "prescripteur");
      const [grant] = await grantsOfPerson();
      assert.deepEqual(
        { sub: grant?.subjectSub, idpId: grant?.boundIdpId },
        { sub: stack.provider.subOf(person.email), idpId: person.idpId },
        "bound at its first use",
      );
      const [bound] = await readAudit(stack.testStack.deps.db, { action: "grant.bound", limit: 1 });
      assert.equal(bound?.resourceId, String(grant!.id));
    });

    it("never gives a bound grant to the same address at another provider, in capitals or not", async () => {
      const db = stack.testStack.deps.db;
      await createGrant(db, {
        subject: { email: person.email },
        kind: "prescripteur",
        organisationLabel: "Association inconnue",
        perimeter: { departements: ["93"], region: "11" },
        grantedBy: "test",
      });
      assert.equal(await kindOf(await loginAs(stack.baseUrl, person.email)), "prescripteur");
      assert.equal(await kindOf(await loginAs(stack.baseUrl, elsewhere.email)), null);
    });

    it("ends the person's sessions when staff revoke their grant, at once", async () => {
      const db = stack.testStack.deps.db;
      const grant = await createGrant(db, {
        subject: { email: person.email },
        kind: "prescripteur",
        organisationLabel: "Association inconnue",
        perimeter: { departements: ["93"], region: "11" },
        grantedBy: "test",
      });
      const browser = await loginAs(stack.baseUrl, person.email);
      assert.equal(await kindOf(browser), "prescripteur");
      const admin = await loginAs(stack.baseUrl, staff.email);
      const page = await admin.submit(`${stack.baseUrl}/admin/acces/${grant.id}/revoquer`, {});
      assert.match(page.text, /Accès révoqué\./);
      assert.equal(await kindOf(browser), 401, "the very next request");
      assert.equal(await kindOf(await loginAs(stack.baseUrl, person.email)), null);
    });

    it("lets staff re-bind a grant to the person's new account (their sub changed with their provider), audited", async () => {
      const db = stack.testStack.deps.db;
      const grant = await createGrant(db, {
        subject: { email: person.email },
        kind: "prescripteur",
        organisationLabel: "Association inconnue",
        perimeter: { departements: ["93"], region: "11" },
        grantedBy: "test",
      });
      const old = await loginAs(stack.baseUrl, person.email);
      assert.equal(await kindOf(old), "prescripteur", "bound to the first account");
      const moved = await loginAs(stack.baseUrl, elsewhere.email);
      assert.equal(await kindOf(moved), null, "the new account has nothing yet");

      const admin = await loginAs(stack.baseUrl, staff.email);
      const page = await admin.submit(`${stack.baseUrl}/admin/acces/${grant.id}/rattacher`, {
        sub: elsewhere.sub!,
        idp_id: elsewhere.idpId,
      });
      assert.match(page.text, /Accès rattaché\./);
      assert.match(
        page.text,
        new RegExp(`<td>${elsewhere.sub} \\(fia1v2\\)</td>`),
        "the grants page shows the account it is bound to",
      );
      assert.equal(await kindOf(old), 401, "the old account's session ended");
      assert.equal(
        await kindOf(await loginAs(stack.baseUrl, person.email)),
        null,
        "and it has lost the grant",
      );
      assert.equal(await kindOf(await loginAs(stack.baseUrl, elsewhere.email)), "prescripteur");
      const [audit] = await readAudit(db, { action: "grant.rebound", limit: 1 });
      assert.equal(audit?.actorEmail, staff.email);
      assert.deepEqual(audit?.details, {
        subjectEmail: person.email,
        before: { sub: stack.provider.subOf(person.email), idpId: person.idpId },
        after: { sub: elsewhere.sub, idpId: "fia1v2" },
      });
    });

    it("works a grant out again the moment it expires, without a new login", async () => {
      const grant = await createGrant(stack.testStack.deps.db, {
        subject: { email: person.email },
        kind: "prescripteur",
        organisationLabel: "Association inconnue",
        perimeter: { departements: ["93"], region: "11" },
        validUntil: new Date(Date.now() + 1500),
        grantedBy: "test",
      });
      const browser = await loginAs(stack.baseUrl, person.email);
      assert.equal(await kindOf(browser), "prescripteur");
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, grant.validUntil!.getTime() - Date.now() + 50)),
      );
      assert.equal(await kindOf(browser), null, "expired: placed again, and nothing is left");
    });

    it("reads staff rights again on every staff request: a staff grant revoked a moment ago opens no staff page", async () => {
      const db = stack.testStack.deps.db;
      const deputy: DemoAccount = {
        ...staff,
        email: `deputy.${suite}@demo.pilotage.test`,
        sub: `${suite}-deputy`,
      };
      const local = await startLoginStack({
        provider: { accounts: [deputy] },
        ...(store === "memory" ? { redis: "none" as const } : {}),
      });
      try {
        const grant = await createGrant(db, {
          subject: { sub: deputy.sub, idpId: deputy.idpId },
          kind: "staff",
          organisationLabel: "GIP",
          perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
          grantedBy: "test",
        });
        const browser = await loginAs(local.baseUrl, deputy.email);
        assert.equal((await browser.get(`${local.baseUrl}/admin/demandes`)).status, 200);
        // Straight in the database: no session is ended, only the re-check stands in the way.
        await revokeGrant(db, grant.id, "test");
        for (const path of ["/admin/demandes", "/admin/acces", "/admin/apercu", "/admin/usage"]) {
          assert.equal((await browser.get(`${local.baseUrl}${path}`)).status, 403, path);
        }
      } finally {
        await local.close();
      }
    });
  });
}
