import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { grantsFor, revokeGrant } from "../../src/perimeter/grants.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import {
  documentedAccess,
  documentedProfile,
  IDF_DEPARTEMENTS,
  profileOfMe,
  type MeAnswer,
} from "../support/demo-profiles.js";
import { withDocumentedTerritories } from "../support/documented-territories.js";
import { browserPerAccount, loginAs, type Browser } from "../support/login.js";
import { ownUnknownAccount } from "../support/unknown-account.js";

/**
 * Issue 6 acceptance, through the real login: each demo account of PRODUCT.md §6 lands on its documented
 * profile and perimeter; the unknown person gets the request-access page; an approved request gives
 * access at the next login (grant changes: grant-changes.test.ts); and the authorisation matrix
 * over every dashboard of metabase-config/.
 */
/**
 * The error summary a form came back with (partials/error-summary.ejs): focusable, focused on load, its
 * heading and its links to the fields, in order.
 */
function summaryOf(html: string, prefix: string): { heading: string; links: string[][] } {
  const summary = new RegExp(
    `<div class="fr-alert fr-alert--error fr-mb-3w" role="alert" id="${prefix}resume-erreurs" tabindex="-1" autofocus>([\\s\\S]*?)</div>`,
  ).exec(html)?.[1];
  assert.ok(summary, `an error summary ${prefix}resume-erreurs`);
  assert.equal(html.match(/autofocus/g)?.length, 1, "one element takes the focus on load");
  return {
    heading: /<h\d class="fr-alert__title">([^<]*)<\/h\d>/.exec(summary)?.[1] ?? "",
    links: [...summary.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[1]!, m[2]!]),
  };
}

// The unknown person whose request this suite approves: its own, so inconnu@ stays unplaced for every suite.
const REQUESTER = ownUnknownAccount("journeys");

describe("perimeters through the real login (issue 6)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  const as = browserPerAccount(() => stack.baseUrl);
  /** The last audit row written before this suite: other suites write to the same log. */
  let auditBefore = 0;
  const me = async (browser: Browser) =>
    (await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as MeAnswer;

  before(async () => {
    stack = await startLoginStack({ provider: { accounts: [...DEMO_ACCOUNTS, REQUESTER] } });
    auditBefore = (await readAudit(stack.testStack.deps.db, { limit: 1 }))[0]?.id ?? 0;
  });
  after(async () => {
    // The database outlives the suite: leave the requester as unplaced as it found them.
    if (stack) {
      const subject = {
        sub: stack.provider.subOf(REQUESTER.email),
        email: REQUESTER.email,
        idpId: REQUESTER.idpId,
      };
      for (const grant of await grantsFor(stack.testStack.deps.db, subject)) {
        if (!grant.revokedAt)
          await revokeGrant(stack.testStack.deps.db, grant.id, "admin@demo.pilotage.test");
      }
    }
    await stack?.close();
  });

  for (const account of DEMO_ACCOUNTS) {
    it(`places ${account.email} on ${account.expected.profile} — ${account.expected.perimeter}`, async () => {
      const browser = await as(account.email);
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
    const browser = await as("inconnu@demo.pilotage.test");
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
    for (const account of DEMO_ACCOUNTS) await as(account.email);
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

  it("shows the request form again with « Erreur : » first in the title and a focused summary linking to each field", async () => {
    const person = await loginAs(stack.baseUrl, REQUESTER.email);
    const page = await person.submit(`${stack.baseUrl}/demande-acces`, {
      organisation: "A",
      role: "Chargée de mission IAE",
      reason: "Suivi",
    });
    assert.equal(page.status, 400);
    assert.match(page.text, /<title>Erreur : Demander un accès — Pilotage de l'inclusion<\/title>/);
    assert.match(page.text, /<h1>Demander un accès<\/h1>/, "the heading stays the page's own");
    assert.deepEqual(summaryOf(page.text, ""), {
      heading: "La demande n&#39;a pas pu être envoyée",
      links: [
        ["#organisation", "Indiquez votre organisation."],
        ["#reason", "Expliquez en quelques mots pourquoi vous avez besoin de ces données."],
      ],
    });
    assert.match(
      page.text,
      /id="organisation" name="organisation" value="A" required aria-describedby="organisation-messages">/,
    );
    assert.match(page.text, /id="role" name="role" value="Chargée de mission IAE" required >/);
    assert.match(
      page.text,
      /<div class="fr-messages-group" id="reason-messages"><p class="fr-message fr-message--error">Expliquez en quelques mots pourquoi vous avez besoin de ces données\.<\/p><\/div>/,
    );
    // The same page without errors keeps its plain title and no summary.
    const again = await person.follow(`${stack.baseUrl}/demande-acces`);
    assert.match(again.text, /<title>Demander un accès — Pilotage de l'inclusion<\/title>/);
    assert.doesNotMatch(again.text, /resume-erreurs/);
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
    // An approval the gateway cannot carry out comes back in its own request's form, filled as sent.
    const refused = await admin.submit(`${stack.baseUrl}/admin/demandes/${id}/accepter`, {
      kind: "prescripteur",
      organisation_label: "Association inconnue",
      departements: "93",
      region: "84",
      valid_until: "31/12/2030",
    });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /<title>Erreur : Demandes d&#39;accès — Pilotage de l'inclusion<\/title>/);
    assert.deepEqual(summaryOf(refused.text, `d${id}-`), {
      heading: "La demande n&#39;a pas été acceptée",
      links: [
        [`#d${id}-region`, "Périmètre invalide : départements hors de la région Auvergne-Rhône-Alpes : 93."],
        [`#d${id}-valid_until`, "Date de fin : « 31/12/2030 » n&#39;est pas une date AAAA-MM-JJ qui existe."],
      ],
    });
    assert.match(refused.text, new RegExp(`<option value="prescripteur" selected>`));
    assert.match(refused.text, new RegExp(`id="d${id}-departements" name="departements" value="93" >`));
    assert.match(
      refused.text,
      new RegExp(`id="d${id}-region" name="region" aria-describedby="d${id}-region-messages">`),
    );
    assert.equal(
      (await me(await loginAs(stack.baseUrl, REQUESTER.email))).profile,
      null,
      "nothing was granted",
    );
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

  it("shows the grant form again with every problem, in the form's order, and grants nothing", async () => {
    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const grantsBefore = (await admin.follow(`${stack.baseUrl}/admin/acces`)).text.match(/revoquer/g)?.length;
    const page = await admin.submit(`${stack.baseUrl}/admin/acces`, {
      email: "",
      sub: "",
      kind: "",
      organisation_label: "DDETS de test",
      departements: "93",
      structures: "1001, abc",
    });
    assert.equal(page.status, 400);
    assert.match(page.text, /<title>Erreur : Accès accordés — Pilotage de l'inclusion<\/title>/);
    assert.match(page.text, /<h1>Accès accordés<\/h1>/);
    assert.deepEqual(summaryOf(page.text, "g-"), {
      heading: "L&#39;accès n&#39;a pas été accordé",
      links: [
        ["#g-email", "Indiquez l&#39;adresse électronique ou l&#39;identifiant ProConnect de la personne."],
        ["#g-kind", "Choisissez un profil."],
        ["#g-structures", "Structures : « ABC » n&#39;est pas un identifiant."],
      ],
    });
    // Every link leads to a field that exists, described by its message; what was typed is kept.
    for (const field of ["email", "kind", "structures"]) {
      assert.match(
        page.text,
        new RegExp(`id="g-${field}" name="${field}"[^>]*aria-describedby="g-${field}-messages"`),
      );
      assert.match(page.text, new RegExp(`<div class="fr-messages-group" id="g-${field}-messages">`));
    }
    assert.match(
      page.text,
      /id="g-organisation_label" name="organisation_label" value="DDETS de test" required >/,
    );
    assert.match(page.text, /id="g-structures" name="structures" value="1001, abc"/);
    const grantsAfter = (await admin.follow(`${stack.baseUrl}/admin/acces`)).text.match(/revoquer/g)?.length;
    assert.equal(grantsAfter, grantsBefore, "no grant was created");
  });

  it("speaks French even where a form has no message of its own (a field missing from a hand-made post)", async () => {
    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const page = await admin.submit(`${stack.baseUrl}/admin/acces`, {
      email: "x@demo.pilotage.test",
      kind: "ddets",
    });
    assert.equal(page.status, 400);
    const missing = summaryOf(page.text, "g-").links.find(([href]) => href === "#g-organisation_label");
    assert.ok(missing, "the missing field is in the summary");
    assert.match(missing[1] ?? "", /^Entrée invalide/, "zod's default message, in French");
  });

  it("answers an approval of a request that is not pending with the error page", async () => {
    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const page = await admin.submit(`${stack.baseUrl}/admin/demandes/999999/accepter`, {
      kind: "ddets",
      organisation_label: "",
    });
    assert.equal(page.status, 400);
    assert.match(page.text, /<h1>Requête invalide<\/h1>/);
    assert.match(page.text, /Indiquez le nom de l&#39;organisation\./);
  });

  it("gives the staff pages DSFR's side menu, folding behind its button on small screens, the page marked", async () => {
    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const links = [
      ["/admin/demandes", "Demandes d&#39;accès"],
      ["/admin/acces", "Accès accordés"],
      ["/admin/apercu", "Aperçu en tant que…"],
      ["/admin/usage", "Fréquentation"],
    ];
    for (const [path] of links) {
      const page = await admin.follow(`${stack.baseUrl}${path}`);
      assert.equal(page.status, 200, path);
      const nav = /<nav class="fr-sidemenu[^"]*"[^>]*>[\s\S]*?<\/nav>/.exec(page.text)?.[0] ?? "";
      assert.match(
        nav,
        /^<nav class="fr-sidemenu fr-mb-4w" role="navigation" aria-labelledby="titre-menu-admin">\s*<div class="fr-sidemenu__inner">\s*<button type="button" class="fr-sidemenu__btn" aria-controls="menu-admin" aria-expanded="false">Dans cette rubrique<\/button>\s*<div class="fr-collapse" id="menu-admin">\s*<p class="fr-sidemenu__title" id="titre-menu-admin">Administration<\/p>/,
        path,
      );
      const items = [
        ...nav.matchAll(
          /<li class="([^"]*)"><a class="fr-sidemenu__link" href="([^"]*)" ?([^>]*)>([^<]*)<\/a><\/li>/g,
        ),
      ];
      assert.deepEqual(
        items.map((m) => [m[1]!.trim(), m[2], m[3], m[4]]),
        links.map(([href, label]) =>
          href === path
            ? ["fr-sidemenu__item fr-sidemenu__item--active", href, 'aria-current="page"', label]
            : ["fr-sidemenu__item", href, "", label],
        ),
        path,
      );
    }
  });

  it("refuses the staff pages to anyone but staff", async () => {
    const ddets = await as("agent.ddets93@demo.pilotage.test");
    for (const path of ["/admin/demandes", "/admin/acces", "/admin/apercu"]) {
      const res = await ddets.get(`${stack.baseUrl}${path}`);
      assert.equal(res.status, 403, path);
    }
  });

  it("previews the product as a DREETS agent, bannered and audited", async () => {
    const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
    const page = await admin.submit(`${stack.baseUrl}/admin/apercu`, { profil: "dreets", region: "11" });
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
        // Bassins and EPCI come from the départements (issue 19): the oracle's own reading of the warehouse.
        const warehouse = stack.testStack.deps.warehouse;
        const documented = await withDocumentedTerritories(documentedProfile(account.email), warehouse);
        const browser = await as(account.email);
        const placed = await withDocumentedTerritories(profileOfMe(await me(browser)), warehouse);
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
        // The same decisions as the routes serve them, not only as dashboardAccess computes them.
        const listed = await browser.get(`${stack.baseUrl}/api/dashboards`);
        if (documented === null) {
          assert.equal(listed.status, 403, `${account.email} is not placed`);
          continue;
        }
        const { dashboards } = (await listed.json()) as {
          dashboards: Array<{ key: string; locked_parameters: Record<string, unknown> }>;
        };
        const expectedOpen = catalog.dashboards.filter((d) => documentedAccess(documented, d).allowed);
        assert.deepEqual(
          dashboards.map((d) => d.key).sort(),
          expectedOpen.map((d) => d.key).sort(),
          `GET /api/dashboards for ${account.email}`,
        );
      }
      assert.equal(rows.length, DEMO_ACCOUNTS.length * catalog.dashboards.length);
    });
  });
});
