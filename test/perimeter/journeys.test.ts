import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { createGrant, revokeGrant } from "../../src/perimeter/grants.js";
import type { Perimeter } from "../../src/perimeter/lock-values.js";
import type { ProfileKind } from "../../src/perimeter/placement.js";
import { ALL_DEPARTEMENT_CODES, findDepartement, findRegion } from "../../src/territories/territories.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { loginAs, type Browser } from "../support/login.js";

/**
 * Issue 6 acceptance, through the real login: each demo account of PRODUCT.md §6 lands on its documented
 * profile and perimeter; the unknown person gets the request-access page; an approved request gives
 * access at the next login; a revoked grant stops within the cache delay; and the authorisation matrix
 * over every dashboard of metabase-config/.
 */
const IDF = findRegion("11")!.departements;

/** PRODUCT.md §6, written out by hand: the oracle the real placement is checked against. */
const DOCUMENTED: Record<string, { kind: ProfileKind; perimeter: Perimeter } | null> = {
  "agent.ddets93@demo.pilotage.test": { kind: "ddets", perimeter: { departements: ["93"], region: "11" } },
  "agent.dreets-idf@demo.pilotage.test": { kind: "dreets", perimeter: { departements: IDF, region: "11" } },
  "agent.dgefp@demo.pilotage.test": { kind: "dgefp", perimeter: { departements: ALL_DEPARTEMENT_CODES } },
  "agent.cd33@demo.pilotage.test": {
    kind: "conseil_departemental",
    perimeter: { departements: ["33"], region: "75", organisation: 1 },
  },
  "conseiller.ft69@demo.pilotage.test": {
    kind: "france_travail",
    perimeter: { departements: ["69"], region: "84", organisation: 2 },
  },
  "direction.reseau@demo.pilotage.test": {
    kind: "reseau_iae",
    perimeter: { reseau: 4, structures: [1001, 1004, 1005, 1006] },
  },
  "employeur.siae@demo.pilotage.test": {
    kind: "employeur_siae",
    perimeter: { structures: [1001, 1002, 1003] },
  },
  "admin@demo.pilotage.test": { kind: "staff", perimeter: { departements: ALL_DEPARTEMENT_CODES } },
  "inconnu@demo.pilotage.test": null,
};

type Me = {
  profile: null | {
    kind: string;
    perimeter: {
      departements: Array<{ code: string }>;
      region: { code: string } | null;
      structures: number[];
      reseau: number | null;
      organisation: number | null;
    };
  };
};

function perimeterOf(me: Me): Perimeter | null {
  if (!me.profile) return null;
  const p = me.profile.perimeter;
  const perimeter: { -readonly [K in keyof Perimeter]: Perimeter[K] } = {};
  if (p.departements.length > 0) perimeter.departements = p.departements.map((d) => d.code);
  if (p.region) perimeter.region = p.region.code;
  if (p.structures.length > 0) perimeter.structures = p.structures;
  if (p.reseau !== null) perimeter.reseau = p.reseau;
  if (p.organisation !== null) perimeter.organisation = p.organisation;
  return perimeter;
}

/** The lock values a documented perimeter gives each attribute, computed independently of src/perimeter. */
function expectedLock(perimeter: Perimeter, attribute: string): unknown {
  switch (attribute) {
    case "departements":
      return perimeter.departements?.length ? [...perimeter.departements] : undefined;
    case "departement_labels":
      return perimeter.departements?.length
        ? perimeter.departements.map((c) => findDepartement(c)!.libelle)
        : undefined;
    case "region":
      return perimeter.region ? findRegion(perimeter.region)!.nom : undefined;
    case "structures":
      return perimeter.structures?.length ? perimeter.structures.map(String) : undefined;
    case "reseau":
      return perimeter.reseau === undefined ? undefined : String(perimeter.reseau);
    case "organisation":
      return perimeter.organisation === undefined ? undefined : String(perimeter.organisation);
    default:
      return undefined;
  }
}

describe("perimeters through the real login (issue 6)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  const browsers = new Map<string, Browser>();
  const me = async (browser: Browser) => (await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as Me;

  before(async () => {
    // A placement cached for one second, so a grant change shows without a new login.
    stack = await startLoginStack({ env: { PLACEMENT_CACHE_SECONDS: "1" } });
  });
  after(() => stack.close());

  for (const account of DEMO_ACCOUNTS) {
    it(`places ${account.email} on ${account.expected.profile} — ${account.expected.perimeter}`, async () => {
      const browser = await loginAs(stack.baseUrl, account.email);
      browsers.set(account.email, browser);
      const documented = DOCUMENTED[account.email];
      assert.ok(documented !== undefined, "every demo account is documented here");
      const mine = await me(browser);
      if (documented === null) {
        assert.equal(mine.profile, null);
        return;
      }
      assert.equal(mine.profile?.kind, documented.kind);
      assert.deepEqual(perimeterOf(mine), documented.perimeter);
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
    const rows = await readAudit(stack.testStack.deps.db, { action: "placement.decided", limit: 500 });
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
    const person = await loginAs(stack.baseUrl, "inconnu@demo.pilotage.test");
    const sent = await person.submit(`${stack.baseUrl}/demande-acces`, {
      organisation: "Association inconnue, Saint-Denis",
      role: "Chargée de mission IAE",
      reason: "Suivre les candidatures reçues par les SIAE de Seine-Saint-Denis",
    });
    assert.match(sent.text, /Votre demande a été envoyée/);

    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const list = await admin.follow(`${stack.baseUrl}/admin/demandes`);
    const id = /action="\/admin\/demandes\/(\d+)\/accepter"/.exec(list.text)?.[1];
    assert.ok(id, "the pending request is listed");
    const approved = await admin.submit(`${stack.baseUrl}/admin/demandes/${id}/accepter`, {
      kind: "prescripteur",
      organisation_label: "Association inconnue",
      departements: "93",
      region: "11",
    });
    assert.match(approved.text, /Demande acceptée : l&#39;accès est créé\./);

    const again = await loginAs(stack.baseUrl, "inconnu@demo.pilotage.test");
    const after = await me(again);
    assert.equal(after.profile?.kind, "prescripteur");
    assert.deepEqual(perimeterOf(after), { departements: ["93"], region: "11" });
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
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal((await me(browser)).profile?.kind, "reseau_iae", "the grant wins once the cache expires");
    await revokeGrant(db, grant.id, "admin@demo.pilotage.test");
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal((await me(browser)).profile?.kind, "employeur_siae", "the revoked grant no longer counts");
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
    assert.deepEqual(perimeterOf(preview), { departements: IDF, region: "11" });
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
        const documented = DOCUMENTED[account.email]!;
        const browser = browsers.get(account.email) ?? (await loginAs(stack.baseUrl, account.email));
        const placed = await me(browser);
        for (const dashboard of catalog.dashboards) {
          const locked = dashboard.parameters.filter((p) => p.locked);
          const open = dashboard.public && locked.length === 0;
          const inAudience =
            documented !== null &&
            (documented.kind === "staff" || dashboard.audiences.includes(documented.kind));
          const expectedLocks =
            documented === null
              ? undefined
              : Object.fromEntries(
                  locked.map((p) => [p.slug, expectedLock(documented.perimeter, p.locked!)]),
                );
          const fillable =
            expectedLocks !== undefined && Object.values(expectedLocks).every((v) => v !== undefined);
          const expected = open
            ? { allowed: true, locks: {} }
            : inAudience && fillable
              ? { allowed: true, locks: expectedLocks }
              : { allowed: false };

          const actualProfile = placed.profile
            ? { kind: placed.profile.kind as ProfileKind, perimeter: perimeterOf(placed)! }
            : null;
          const actual = dashboardAccess(actualProfile, dashboard);
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
