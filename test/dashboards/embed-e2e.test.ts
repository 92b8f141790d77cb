import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { readAudit } from "../../src/audit/audit-log.js";
import {
  anchorDashboard,
  cutoffDay,
  dashboardCardParameters,
  renderQuestion,
  type Catalog,
} from "../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { clearVerified, markVerified, readStoredObjects } from "../../src/metabase/object-map.js";
import type { Database } from "../../src/storage/database.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";
import { inFilteredWarehouse, type PerimeterFilter } from "../../src/warehouse/filtered-copy.js";
import { readLoadMarker } from "../../src/warehouse/load-marker.js";
import type { Day } from "../../src/template/index.js";
import { captureLogger, testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { documentedAccess, documentedProfile } from "../support/demo-profiles.js";
import { withDocumentedTerritories } from "../support/documented-territories.js";
import { decodeJwt } from "../support/jwt.js";
import { getWithBody, tamperedBodies, tamperedQueries } from "../support/tampering.js";
import { Browser, browserPerAccount, loginAs } from "../support/login.js";
import type { MetabaseTestServer } from "../support/metabase-server/index.js";
import { startAppliedMetabase } from "../support/applied-catalog.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * Issue 8 acceptance with Metabase: the repository's catalogue applied into the Metabase test server by
 * `pilotage apply`, then, for every demo account × every dashboard, the gateway's embed URL: refused
 * (403, nothing signed) where the account may not open it; otherwise accepted by the test server, whose
 * every dashcard query must answer exactly what the same card answers on a copy of the warehouse holding
 * only the account's perimeter. Then tampering, renewal past expiry, audit fail-closed, and Metabase
 * unreachable.
 */
const TTL_SECONDS = 5;

/** Values as both sides print them: numbers as numbers (pg sends numerics as text, Metabase as JSON numbers). */
function canonicalRows(rows: unknown[][]): string[] {
  const canonical = (v: unknown) => {
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    return v;
  };
  return rows.map((row) => JSON.stringify(row.map(canonical))).sort();
}

interface EmbedAnswer {
  url: string;
  expires_at: string;
}

type CardAnswer = {
  status?: string;
  error?: string;
  data?: { rows: unknown[][]; cols: Array<{ name: string }> };
};

describe("embedded dashboards through the Metabase test server (issue 8)", function () {
  this.timeout(180_000);
  let gatewayDb: Database;
  let warehouse: Database;
  let closeMetabase: () => Promise<void>;
  let metabase: MetabaseTestServer;
  let stack: LoginStack;
  let catalog: Catalog;
  /** The warehouse's cut-off: the frame's starting filter values are the defaults read against it. */
  let cutoff: Day;
  let clockOffsetMs = 0;
  const captured = captureLogger("debug");
  const as = browserPerAccount(() => stack.baseUrl);
  const url = (path: string) => `${stack.baseUrl}${path}`;

  async function embedOf(browser: Browser, key: string, init: RequestInit = {}): Promise<Response> {
    return browser.request(url(`/api/dashboards/${key}/embed`), init);
  }

  async function cardQuery(token: string, dashcard: { id: number; card_id: number }, search: string) {
    const res = await fetch(
      `${metabase.url}/api/embed/dashboard/${token}/dashcard/${dashcard.id}/card/${dashcard.card_id}${search}`,
    );
    return { status: res.status, body: (await res.json()) as CardAnswer };
  }

  before(async () => {
    catalog = (await testContent()).catalog;
    warehouse = await openTestWarehouse();
    cutoff = cutoffDay((await readLoadMarker(warehouse))?.cutoffDate)!;
    const applied = await startAppliedMetabase("dash_gw", {
      warehouse,
      now: () => Date.now() + clockOffsetMs,
    });
    ({ gatewayDb, metabase, close: closeMetabase } = applied);
    const secret = metabase.embeddingSecretKey!;
    const out = applied.applyOutput;
    assert.ok(!out.includes(secret) && !out.includes(metabase.adminApiKey), "apply prints no key");
    stack = await startLoginStack({
      logger: captured.logger,
      env: {
        METABASE_SITE_URL: metabase.url,
        METABASE_EMBEDDING_SECRET_KEY: secret,
        EMBED_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
      },
      db: gatewayDb,
      now: () => new Date(Date.now() + clockOffsetMs),
    });
  });

  after(async () => {
    // PRODUCT.md §3, invariant 7: thousands of tokens signed, failures and refusals included, and the
    // embedding secret key is in none of the gateway's log lines (debug level).
    const key = metabase?.embeddingSecretKey;
    if (key) {
      assert.ok(
        captured.lines.some((line) => line.includes("/embed")),
        "the embed requests were logged",
      );
      assert.deepEqual(
        captured.lines.filter((line) => line.includes(key)),
        [],
      );
    }
    await stack?.close();
    await closeMetabase?.();
    await warehouse?.close();
  });

  it("for every demo account × every dashboard: 403 where it may not open it, else a token Metabase accepts whose every card answers only the perimeter's rows", async () => {
    const cardIds = new Map(
      (await readStoredObjects(gatewayDb))
        .filter((o) => o.model === "card")
        .map((o) => [o.metabaseId, o.key]),
    );
    let checkedCards = 0;
    let nonEmptyCards = 0;
    let refusals = 0;
    for (const account of DEMO_ACCOUNTS) {
      const documented = await withDocumentedTerritories(documentedProfile(account.email), warehouse);
      if (documented === null) continue;
      const browser = await as(account.email);
      for (const dashboard of catalog.dashboards) {
        const where = `${account.email} × ${dashboard.key}`;
        const access = documentedAccess(documented, dashboard);
        const res = await embedOf(browser, dashboard.key);
        if (!access.allowed) {
          assert.equal(res.status, 403, where);
          await res.body?.cancel();
          refusals++;
          continue;
        }
        assert.equal(res.status, 200, where);
        const answer = (await res.json()) as EmbedAnswer;
        const frame = new URL(answer.url);
        const token = frame.pathname.split("/").at(-1)!;
        const locks = access.locks;
        assert.deepEqual(decodeJwt(token).payload.params, locks, `${where}: signed values`);

        const shown = await fetch(`${metabase.url}/api/embed/dashboard/${token}`);
        assert.equal(shown.status, 200, `${where}: ${await shown.clone().text()}`);
        const dashcards = ((await shown.json()) as { dashcards: Array<{ id: number; card_id: number }> })
          .dashcards;
        assert.equal(dashcards.length, dashboard.cards.length, where);
        const filters: PerimeterFilter[] = dashboard.parameters
          .filter((p) => p.locked)
          .map((p) => ({ attribute: p.locked!, values: [locks[p.slug]!].flat() }));
        for (const dashcard of dashcards) {
          const questionKey = cardIds.get(dashcard.card_id)!;
          const question = catalog.questions.find((q) => q.key === questionKey)!;
          const card = dashboard.cards.find((c) => c.question === questionKey)!;
          const result = await cardQuery(token, dashcard, frame.search);
          assert.equal(result.status, 202, where);
          assert.equal(result.body.status, "completed", `${where} ${questionKey}: ${result.body.error}`);
          const rendered = renderQuestion(
            question,
            dashboardCardParameters(anchorDashboard(dashboard, cutoff), card, question, locks),
          );
          const expected = await inFilteredWarehouse(warehouse, filters, 20_000, async (tx) => {
            const { rows, fields } = await tx.query(rendered.sql, rendered.values);
            return rows.map((row) => (fields ?? []).map((f) => row[f.name]));
          });
          assert.deepEqual(
            canonicalRows(result.body.data!.rows),
            canonicalRows(expected),
            `${where} ${questionKey}: rows outside the perimeter`,
          );
          checkedCards++;
          if (expected.length > 0) nonEmptyCards++;
        }
      }
    }
    assert.ok(checkedCards >= 60, `checked ${checkedCards} dashcards`);
    assert.ok(nonEmptyCards >= checkedCards * 0.8, `${nonEmptyCards} of ${checkedCards} dashcards had rows`);
    assert.ok(refusals >= 20, `${refusals} refusals`);
  });

  it("the leak oracle tells a wrong perimeter apart (a token signed for all of France, checked as the 93)", async () => {
    const dashboard = catalog.dashboards.find((d) => d.key === "pass-iae")!;
    const stored = (await readStoredObjects(gatewayDb)).find(
      (o) => o.model === "dashboard" && o.key === dashboard.key,
    )!;
    const cardIds = new Map(
      (await readStoredObjects(gatewayDb))
        .filter((o) => o.model === "card")
        .map((o) => [o.metabaseId, o.key]),
    );
    const token = signHs256(
      {
        resource: { dashboard: stored.metabaseId },
        params: { departement: [...ALL_DEPARTEMENT_CODES] },
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      metabase.embeddingSecretKey!,
    );
    const shown = (await (await fetch(`${metabase.url}/api/embed/dashboard/${token}`)).json()) as {
      dashcards: Array<{ id: number; card_id: number }>;
    };
    let differs = 0;
    for (const dashcard of shown.dashcards) {
      const question = catalog.questions.find((q) => q.key === cardIds.get(dashcard.card_id))!;
      const card = dashboard.cards.find((c) => c.question === question.key)!;
      const result = await cardQuery(token, dashcard, "?periode=past12months");
      const rendered = renderQuestion(
        question,
        dashboardCardParameters(dashboard, card, question, { departement: ["93"] }),
      );
      const expected = await inFilteredWarehouse(
        warehouse,
        [{ attribute: "departements", values: ["93"] }],
        20_000,
        async (tx) => {
          const { rows, fields } = await tx.query(rendered.sql, rendered.values);
          return rows.map((row) => (fields ?? []).map((f) => row[f.name]));
        },
      );
      if (JSON.stringify(canonicalRows(result.body.data!.rows)) !== JSON.stringify(canonicalRows(expected)))
        differs++;
    }
    assert.equal(differs, shown.dashcards.length);
  });

  describe("tampering", () => {
    it("never lets the query string, headers, cookies or a body change the signed values", async () => {
      const browser = await as("agent.ddets93@demo.pilotage.test");
      const session = browser.jar.headerFor(new URL(stack.baseUrl));
      // `departement` alone is a narrowing choice since issue 19: one outside the perimeter, or several, are
      // refused and nothing is signed (test/dashboards/narrowing.test.ts); the other forms are ignored.
      for (const query of ["departement=13", "departement=13&departement=75"]) {
        const refused = await browser.request(url(`/api/dashboards/pass-iae/embed?${query}`));
        assert.equal(refused.status, 400, query);
        await refused.body?.cancel();
      }
      const tampered = `/api/dashboards/pass-iae/embed?region=84&structures=1001&params%5Bdepartement%5D=13`;
      const body = JSON.stringify({
        departement: ["13"],
        region: "84",
        structures: [1001],
        params: { departement: ["13"] },
      });
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(
          url(tampered),
          {
            method: "GET",
            headers: {
              cookie: `${session}; departement=13; region=84; structures=1001`,
              departement: "13",
              "x-departement": "13",
              "x-region": "84",
              "x-structures": "1001",
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              accept: "application/json",
            },
          },
          (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
      assert.equal(answer.status, 200, answer.text);
      const { url: signed } = JSON.parse(answer.text) as EmbedAnswer;
      const payload = decodeJwt(new URL(signed).pathname.split("/").at(-1)!).payload;
      assert.deepEqual(payload.params, { departement: ["93"] });
      assert.equal(
        new URL(signed).search,
        "?periode=2025-11-01%7E2026-10-31",
        "only editable defaults, read against the data's cut-off, in the query string",
      );
    });

    it("never lets the perimeter's attribute names, in any form, in the query or a body, change the signed values", async () => {
      const cases: Array<[string, string]> = [
        ["agent.ddets93@demo.pilotage.test", "pass-iae"],
        ["employeur.siae@demo.pilotage.test", "mes-structures"],
        ["direction.reseau@demo.pilotage.test", "reseau-adherents"],
        ["conseiller.ft69@demo.pilotage.test", "mes-orientations"],
      ];
      for (const [email, key] of cases) {
        const dashboard = catalog.dashboards.find((d) => d.key === key)!;
        const expected = documentedAccess(
          await withDocumentedTerritories(documentedProfile(email), warehouse),
          dashboard,
        );
        assert.ok(
          expected.allowed && Object.keys(expected.locks).length > 0,
          `${email} opens ${key}, locked`,
        );
        const paramsOf = (text: string) =>
          decodeJwt(new URL((JSON.parse(text) as EmbedAnswer).url).pathname.split("/").at(-1)!).payload
            .params;
        const browser = await as(email);
        for (const [label, query] of tamperedQueries()) {
          const res = await browser.request(url(`/api/dashboards/${key}/embed?${query}`));
          const text = await res.text();
          // `epci` is also a narrowing choice (issue 19), which takes one value: several are refused.
          if (new URLSearchParams(query).getAll("epci").length > 1) {
            assert.equal(res.status, 400, `${email} ${label}: ${text}`);
            continue;
          }
          assert.equal(res.status, 200, `${email} ${label}: ${text}`);
          assert.deepEqual(paramsOf(text), expected.locks, `${email} ${label}`);
        }
        const cookie = browser.jar.headerFor(new URL(stack.baseUrl));
        for (const body of tamperedBodies()) {
          const answer = await getWithBody(url(`/api/dashboards/${key}/embed`), cookie, body, {
            accept: "application/json",
          });
          assert.equal(answer.status, 200, `${email} ${body.label}: ${answer.text}`);
          assert.deepEqual(paramsOf(answer.text), expected.locks, `${email} ${body.label}`);
        }
      }
    });

    it("a token edited by hand, or signed with another key, is refused by the test server", async () => {
      const browser = await as("agent.ddets93@demo.pilotage.test");
      const { url: signed } = (await (await embedOf(browser, "pass-iae")).json()) as EmbedAnswer;
      const token = new URL(signed).pathname.split("/").at(-1)!;
      const [header, payload, signature] = token.split(".");
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<
        string,
        unknown
      >;
      const edited = `${header}.${Buffer.from(JSON.stringify({ ...claims, params: { departement: ["13"] } })).toString("base64url")}.${signature}`;
      const refused = await fetch(`${metabase.url}/api/embed/dashboard/${edited}`);
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /^Message seems corrupt or manipulated/);
      const forged = signHs256({ ...claims, params: { departement: ["13"] } }, "0".repeat(64));
      const wrongKey = await fetch(`${metabase.url}/api/embed/dashboard/${forged}`);
      assert.equal(wrongKey.status, 400);
      assert.match(await wrongKey.text(), /^Message seems corrupt or manipulated/);
    });
  });

  describe("the dashboard page with Metabase", () => {
    it("frames the signed URL with a title, loads embed.js (its renewal is checked by browser journey 1b), and audits the token before showing it", async () => {
      const browser = await as("agent.ddets93@demo.pilotage.test");
      const page = await browser.follow(url("/tableaux-de-bord/pass-iae"));
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cache-control"), "no-store");
      const frame =
        /<iframe class="pilotage-integration" data-embed-frame\s+src="([^"]+)"\s+title="([^"]+)"\s+data-dashboard-key="pass-iae"\s+data-expires-at="([^"]+)"/.exec(
          page.text,
        );
      assert.ok(frame, "an iframe with the signed URL");
      const src = frame[1]!.replaceAll("&amp;", "&");
      assert.ok(src.startsWith(`${metabase.url}/embed/dashboard/`));
      assert.ok(src.endsWith("?periode=2025-11-01%7E2026-10-31#bordered=false&titled=false&locale=fr"), src);
      assert.equal(frame[2], "Tableau de bord interactif : PASS IAE — 93 - Seine-Saint-Denis");
      assert.match(page.text, /<script type="module" src="\/static\/app\/embed.js"><\/script>/);
      assert.equal(
        [...page.text.matchAll(/<caption>/g)].length,
        catalog.dashboards.find((d) => d.key === "pass-iae")!.cards.length,
        "the accessible tables under the frame, key figures included",
      );
      const token = new URL(src).pathname.split("/").at(-1)!;
      const [audit] = await readAudit(gatewayDb, {
        action: "embed.token_issued",
        actorEmail: "agent.ddets93@demo.pilotage.test",
        limit: 1,
      });
      assert.deepEqual(audit?.lockedValues, { departement: ["93"] });
      assert.equal(audit?.resourceKey, "pass-iae");
      assert.equal(
        audit?.resourceId,
        String(
          decodeJwt(token).payload.resource &&
            (decodeJwt(token).payload.resource as { dashboard: number }).dashboard,
        ),
      );
      assert.equal(audit?.details.expiresAt, frame[3]);
      const { rows } = await gatewayDb.query<{ dashboard_id: number | null }>(
        "SELECT dashboard_id FROM dashboard_visits WHERE dashboard_key = 'pass-iae' ORDER BY id DESC LIMIT 1",
      );
      assert.equal(
        Number(rows[0]?.dashboard_id),
        (decodeJwt(token).payload.resource as { dashboard: number }).dashboard,
      );
    });

    it("never frames Metabase during a staff preview: the gateway's own cards, exports refused, no token signed", async () => {
      // Metabase's frame has its own download buttons, beyond the export audit and the preview's rule.
      const admin = await loginAs(stack.baseUrl, "admin@demo.pilotage.test");
      await admin.submit(url("/admin/apercu"), { profil: "ddets", departement: "93" });
      const tokensBefore = (await readAudit(gatewayDb, { action: "embed.token_issued" })).length;
      try {
        const page = await admin.follow(url("/tableaux-de-bord/pass-iae"));
        assert.equal(page.status, 200);
        assert.match(page.text, /id="bandeau-apercu"/);
        assert.doesNotMatch(page.text, /<iframe/);
        assert.doesNotMatch(page.text, /embed\.js/);
        assert.match(
          page.text,
          /<div class="fr-alert fr-alert--info fr-mb-4w" id="apercu-sans-metabase">\s*<h2 class="fr-alert__title">Aperçu : version interactive non affichée<\/h2>\s*<p>Pendant un aperçu, le tableau de bord Metabase n'est pas affiché : il permet de télécharger des données, ce que l'aperçu interdit\. Les données ci-dessous sont calculées directement, sur le périmètre prévisualisé\.<\/p>/,
        );
        assert.equal([...page.text.matchAll(/<caption>/g)].length, 2, "the gateway's own cards");
        assert.doesNotMatch(page.text, /href="\/api\/questions\//, "no export link");
        const api = await admin.get(url("/api/dashboards/pass-iae/embed"), { accept: "application/json" });
        assert.equal(api.status, 403);
        const { requestId: _id, ...body } = (await api.json()) as Record<string, unknown>;
        assert.deepEqual(body, {
          error: "preview_embed",
          message:
            "Pendant un aperçu, le tableau de bord interactif (Metabase) n'est pas affiché : il permettrait de télécharger des données. Les données restent lisibles dans les tableaux de la page.",
        });
        assert.equal((await readAudit(gatewayDb, { action: "embed.token_issued" })).length, tokensBefore);
      } finally {
        await admin.submit(url("/admin/apercu/quitter"), {});
      }
      // Out of the preview, the same person gets the frame again.
      const own = await admin.follow(url("/tableaux-de-bord/pass-iae"));
      assert.match(own.text, /<iframe class="pilotage-integration" data-embed-frame/);
    });

    it("embeds a public dashboard for anyone, with no parameter in the token, and audits it without a person", async () => {
      const anyone = new Browser();
      const page = await anyone.follow(url("/public/structures-par-type-et-departement"));
      assert.equal(page.status, 200);
      assert.match(page.text, /<iframe class="pilotage-integration" data-embed-frame/);
      const res = await embedOf(anyone, "structures-par-type-et-departement");
      assert.equal(res.status, 200);
      const { url: signed } = (await res.json()) as EmbedAnswer;
      const token = new URL(signed).pathname.split("/").at(-1)!;
      assert.deepEqual(decodeJwt(token).payload.params, {});
      assert.equal((await fetch(`${metabase.url}/api/embed/dashboard/${token}`)).status, 200);
      const [audit] = await readAudit(gatewayDb, { action: "embed.token_issued", limit: 1 });
      assert.equal(audit?.resourceKey, "structures-par-type-et-departement");
      assert.equal(audit?.actorEmail, null);
    });

    it("renews: a page kept open past the token's lifetime gets a fresh URL that Metabase accepts", async () => {
      const browser = await as("agent.ddets93@demo.pilotage.test");
      const first = (await (await embedOf(browser, "pass-iae")).json()) as EmbedAnswer;
      const firstToken = new URL(first.url).pathname.split("/").at(-1)!;
      assert.equal(
        Date.parse(first.expires_at) - Math.floor(Date.now() / 1000) * 1000 <= TTL_SECONDS * 1000,
        true,
      );
      assert.equal((await fetch(`${metabase.url}/api/embed/dashboard/${firstToken}`)).status, 200);
      try {
        // The lifetime and Metabase's 60 s leeway pass, for Metabase and the gateway alike.
        clockOffsetMs = (TTL_SECONDS + 61) * 1000;
        const expired = await fetch(`${metabase.url}/api/embed/dashboard/${firstToken}`);
        assert.equal(expired.status, 400);
        assert.match(await expired.text(), /^Token is expired/);
        const fresh = (await (await embedOf(browser, "pass-iae")).json()) as EmbedAnswer;
        const freshToken = new URL(fresh.url).pathname.split("/").at(-1)!;
        assert.ok(Date.parse(fresh.expires_at) > Date.parse(first.expires_at));
        const shown = await fetch(`${metabase.url}/api/embed/dashboard/${freshToken}`);
        assert.equal(shown.status, 200);
        const { dashcards } = (await shown.json()) as { dashcards: Array<{ id: number; card_id: number }> };
        const data = await cardQuery(freshToken, dashcards[0]!, new URL(fresh.url).search);
        assert.equal(data.body.status, "completed");
      } finally {
        clockOffsetMs = 0;
      }
    });

    it("says so, without a frame, when the dashboard's publication is not verified", async () => {
      const dashboard = catalog.dashboards.find((d) => d.key === "esat")!;
      assert.equal(await clearVerified(gatewayDb, "esat"), true);
      try {
        const browser = await as("agent.ddets93@demo.pilotage.test");
        const page = await browser.follow(url("/tableaux-de-bord/esat"));
        assert.equal(page.status, 200);
        assert.match(page.text, /id="metabase-non-verifie"/);
        assert.doesNotMatch(page.text, /<iframe/);
        assert.match(page.text, /<caption>/);
        const api = await embedOf(browser, "esat");
        assert.equal(api.status, 503);
        assert.equal(((await api.json()) as { error: string }).error, "dashboard_not_verified");
      } finally {
        await markVerified(gatewayDb, "esat", dashboard.contentVersion);
      }
    });

    it("fails closed: no URL leaves when the audit row cannot be written", async () => {
      await gatewayDb.exec(
        "ALTER TABLE audit_log ADD CONSTRAINT test_refuse_embed CHECK (action <> 'embed.token_issued') NOT VALID",
      );
      try {
        const browser = await as("agent.ddets93@demo.pilotage.test");
        const api = await embedOf(browser, "pass-iae");
        assert.equal(api.status, 500);
        const text = await api.text();
        assert.doesNotMatch(text, /embed\/dashboard|eyJ/);
        const page = await browser.follow(url("/tableaux-de-bord/pass-iae"));
        assert.equal(page.status, 500);
        assert.doesNotMatch(page.text, /<iframe|eyJ/);
      } finally {
        await gatewayDb.exec("ALTER TABLE audit_log DROP CONSTRAINT test_refuse_embed");
      }
    });
  });

  describe("Metabase unreachable", () => {
    for (const [name, start] of [
      ["refusing connections", startClosedPort],
      ["accepting connections but never answering", startSilentServer],
    ] as const) {
      it(`(${name}) the page says so in French, shows the gateway's own cards, no frame; the rest of the site works`, async () => {
        const down = await start();
        const other = await startLoginStack({
          env: { METABASE_SITE_URL: down.url, METABASE_EMBEDDING_SECRET_KEY: metabase.embeddingSecretKey! },
          db: gatewayDb,
        });
        try {
          const browser = await loginAs(other.baseUrl, "agent.ddets93@demo.pilotage.test");
          const started = Date.now();
          const page = await browser.follow(`${other.baseUrl}/tableaux-de-bord/pass-iae`);
          assert.ok(Date.now() - started < 5_000, `answered in ${Date.now() - started} ms`);
          assert.equal(page.status, 200);
          assert.match(
            page.text,
            /<h2 class="fr-alert__title">Les graphiques interactifs sont momentanément indisponibles<\/h2>/,
          );
          assert.doesNotMatch(page.text, /<iframe/);
          assert.match(page.text, /<caption>/);
          assert.equal((await browser.follow(`${other.baseUrl}/tableaux-de-bord`)).status, 200);
          assert.equal((await browser.get(`${other.baseUrl}/api/me`)).status, 200);
          assert.equal(
            (await browser.follow(`${other.baseUrl}/public/structures-par-type-et-departement`)).status,
            200,
          );
        } finally {
          await other.close();
          await down.close();
        }
      });
    }
  });
});

function signHs256(payload: Record<string, unknown>, secret: string): string {
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

async function startClosedPort(): Promise<{ url: string; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}`, close: async () => {} };
}

async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
