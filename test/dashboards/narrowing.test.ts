import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import type { Catalog, Dashboard } from "../../src/catalog/index.js";
import type { Database } from "../../src/storage/database.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { documentedAccess, documentedProfile, IDF_DEPARTEMENTS } from "../support/demo-profiles.js";
import {
  departementsOfBassin,
  documentedBassins,
  withDocumentedTerritories,
} from "../support/documented-territories.js";
import { decodeJwt } from "../support/jwt.js";
import { browserPerAccount } from "../support/login.js";
import type { MetabaseTestServer } from "../support/metabase-server/index.js";
import { startAppliedMetabase } from "../support/applied-catalog.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * Issue 19's first acceptance item: narrowing inside the perimeter (PRODUCT.md §3, invariant 1 as
 * amended). For every multi-territory demo account, every choice of a département and of a bassin of it
 * signs exactly `chosen ∩ perimeter`; anything outside is a French 400 with nothing signed nor audited;
 * no choice yields `[]` or widens. With Metabase (the test server, the catalogue applied by `pilotage
 * apply`, the tokens read back by it and compared with a DDETS 93's), without Metabase (the gateway's
 * own tables), and across a renewal (the page hands embed.js its choice, the renewal signs it again).
 */
const DREETS = "agent.dreets-idf@demo.pilotage.test";
const DDETS = "agent.ddets93@demo.pilotage.test";
/** The multi-territory demo accounts of PRODUCT.md §6. */
const MULTI = [DREETS, "agent.dgefp@demo.pilotage.test", "admin@demo.pilotage.test"];
/** A national perimeter is tried on a few départements (every one would take minutes): mainland, Corsica, overseas. */
const NATIONAL_SAMPLE = ["93", "13", "2A", "974"];
/** The dashboards with a bassin lock: where narrowing goes below the département. */
const NARROWED = ["etp-conventionnes-et-realises", "candidatures-recues-par-les-siae"];

type Params = Record<string, string | string[]>;

function paramsOfUrl(signed: string): Params {
  return decodeJwt(new URL(signed).pathname.split("/").at(-1)!).payload.params as Params;
}

/** Nothing empty, nothing wider: every signed list is a non-empty subset of the unnarrowed one. */
function assertNarrower(narrowed: Params, whole: Params, where: string): void {
  assert.deepEqual(Object.keys(narrowed).sort(), Object.keys(whole).sort(), where);
  for (const [slug, value] of Object.entries(narrowed)) {
    const values = [value].flat();
    assert.ok(values.length > 0, `${where}: ${slug} is never empty`);
    const allowed = new Set([whole[slug]!].flat());
    assert.ok(
      values.every((v) => allowed.has(v)),
      `${where}: ${slug} never widens (${values.join(",")})`,
    );
  }
}

/** The cards' tables; the comparison's (a multi-territory perimeter's only) is test/dashboards/comparison.test.ts's. */
function tablesOf(html: string): string[] {
  const cards = html.replace(/<section class="fr-mb-6w" id="comparaison"[\s\S]*?<\/section>/, "");
  return [...cards.matchAll(/<table>[\s\S]*?<\/table>/g)].map((m) => m[0]);
}

function errorOf(text: string): unknown {
  const { requestId: _requestId, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
}

describe("narrowing inside the perimeter (issue 19)", function () {
  this.timeout(300_000);
  let catalog: Catalog;
  let warehouse: Database;
  const dashboardOf = (key: string): Dashboard => catalog.dashboards.find((d) => d.key === key)!;

  before(async () => {
    catalog = (await testContent()).catalog;
    warehouse = await openTestWarehouse();
  });
  after(() => warehouse?.close());

  /** What a documented profile's unnarrowed locks are on a dashboard, by the oracle. */
  async function wholeLocks(email: string, key: string): Promise<Params> {
    const access = documentedAccess(
      await withDocumentedTerritories(documentedProfile(email), warehouse),
      dashboardOf(key),
    );
    assert.ok(access.allowed, `${email} opens ${key}`);
    return access.locks;
  }

  describe("with Metabase (the test server)", () => {
    let gatewayDb: Database;
    let closeMetabase: () => Promise<void>;
    let metabase: MetabaseTestServer;
    let stack: LoginStack;
    const as = browserPerAccount(() => stack.baseUrl);
    const embed = async (email: string, key: string, query = "") =>
      (await as(email)).request(`${stack.baseUrl}/api/dashboards/${key}/embed${query ? `?${query}` : ""}`);

    before(async () => {
      ({
        gatewayDb,
        metabase,
        close: closeMetabase,
      } = await startAppliedMetabase("narrow_gw", { warehouse }));
      stack = await startLoginStack({
        env: {
          METABASE_SITE_URL: metabase.url,
          METABASE_EMBEDDING_SECRET_KEY: metabase.embeddingSecretKey!,
        },
        db: gatewayDb,
      });
    });
    after(async () => {
      await stack?.close();
      await closeMetabase?.();
    });

    it("signs exactly the chosen département, then the chosen bassin of it, for every multi-territory account; never [] nor wider", async () => {
      let signed = 0;
      for (const email of MULTI) {
        const own = documentedProfile(email)!.perimeter.departements!;
        const departements = own.length > IDF_DEPARTEMENTS.length ? NATIONAL_SAMPLE : own;
        for (const key of NARROWED) {
          const whole = await wholeLocks(email, key);
          const plain = await embed(email, key);
          assert.equal(plain.status, 200, `${email} ${key}`);
          assert.deepEqual(paramsOfUrl(((await plain.json()) as { url: string }).url), whole);
          for (const departement of departements) {
            const bassins = await documentedBassins(warehouse, [departement]);
            const where = `${email} × ${key} × ${departement}`;
            const res = await embed(email, key, `departement=${departement}`);
            assert.equal(res.status, 200, `${where}: ${await res.clone().text()}`);
            const params = paramsOfUrl(((await res.json()) as { url: string }).url);
            assert.deepEqual(params, { departement: [departement], bassin: bassins }, where);
            assertNarrower(params, whole, where);
            signed++;
            // Every bassin of the small perimeters; two of each département of a national one.
            for (const bassin of own.length > IDF_DEPARTEMENTS.length ? bassins.slice(0, 2) : bassins) {
              const inner = await embed(email, key, `departement=${departement}&bassin=${bassin}`);
              assert.equal(inner.status, 200, `${where} × ${bassin}`);
              const narrowed = paramsOfUrl(((await inner.json()) as { url: string }).url);
              assert.deepEqual(
                narrowed,
                { departement: [departement], bassin: [bassin] },
                `${where} × ${bassin}`,
              );
              assertNarrower(narrowed, params, `${where} × ${bassin}`);
              signed++;
            }
          }
        }
      }
      assert.ok(signed > 60, `${signed} narrowed tokens checked`);
    });

    it("a DREETS narrowed to the 93 signs what the DDETS 93 signs, and Metabase answers the same rows", async () => {
      for (const key of NARROWED) {
        const dreets = await embed(DREETS, key, "departement=93");
        const ddets = await embed(DDETS, key);
        const [a, b] = [
          ((await dreets.json()) as { url: string }).url,
          ((await ddets.json()) as { url: string }).url,
        ];
        assert.deepEqual(paramsOfUrl(a), paramsOfUrl(b), key);
        assert.deepEqual(paramsOfUrl(a), await wholeLocks(DDETS, key), key);
        const rowsOf = async (signedUrl: string) => {
          const token = new URL(signedUrl).pathname.split("/").at(-1)!;
          const shown = await fetch(`${metabase.url}/api/embed/dashboard/${token}`);
          assert.equal(shown.status, 200, await shown.clone().text());
          const { dashcards } = (await shown.json()) as { dashcards: Array<{ id: number; card_id: number }> };
          const answers: unknown[] = [];
          for (const dashcard of dashcards) {
            const res = await fetch(
              `${metabase.url}/api/embed/dashboard/${token}/dashcard/${dashcard.id}/card/${dashcard.card_id}${new URL(signedUrl).search}`,
            );
            assert.equal(res.status, 202, `${key} card ${dashcard.card_id}`);
            answers.push(((await res.json()) as { data: { rows: unknown[][] } }).data.rows);
          }
          return answers;
        };
        const narrowedRows = await rowsOf(a);
        assert.deepEqual(narrowedRows, await rowsOf(b), key);
        assert.ok(
          narrowedRows.some((rows) => (rows as unknown[]).length > 0),
          `${key}: the oracle sees rows`,
        );
      }
    });

    it("keeps only the part inside the perimeter of a bassin straddling the 93 and the 94", async () => {
      const bassins = await documentedBassins(warehouse, ["93"]);
      const straddling = [];
      for (const b of bassins) if ((await departementsOfBassin(warehouse, b)).length > 1) straddling.push(b);
      assert.equal(straddling.length, 1, "the synthetic warehouse has one straddling bassin");
      const bassin = straddling[0]!;
      assert.deepEqual(await departementsOfBassin(warehouse, bassin), ["93", "94"]);
      const key = NARROWED[0]!;
      // The DREETS (both départements) on the bassin alone: both départements stay in the lock.
      const whole = await embed(DREETS, key, `bassin=${bassin}`);
      assert.deepEqual(paramsOfUrl(((await whole.json()) as { url: string }).url), {
        departement: [...IDF_DEPARTEMENTS],
        bassin: [bassin],
      });
      // Narrowed to the 93: the bassin's 94 part is left out by the département lock.
      const part = await embed(DREETS, key, `departement=93&bassin=${bassin}`);
      assert.deepEqual(paramsOfUrl(((await part.json()) as { url: string }).url), {
        departement: ["93"],
        bassin: [bassin],
      });
      // The DDETS 93 sees it too, for its 93 part only.
      const ddets = await embed(DDETS, key, `bassin=${bassin}`);
      assert.deepEqual(paramsOfUrl(((await ddets.json()) as { url: string }).url), {
        departement: ["93"],
        bassin: [bassin],
      });
    });

    it("refuses, in French and with nothing signed nor audited, any choice outside the perimeter", async () => {
      const key = NARROWED[0]!;
      const before = (await readAudit(gatewayDb, { limit: 1 }))[0]?.id;
      const bassin94Only = [];
      for (const b of await documentedBassins(warehouse, ["94"]))
        if ((await departementsOfBassin(warehouse, b)).join() === "94") bassin94Only.push(b);
      const [bassin13] = await documentedBassins(warehouse, ["13"]);
      const cases: Array<[string, string, Record<string, unknown>]> = [
        [
          DREETS,
          "departement=13",
          {
            error: "bad_request",
            message:
              "Le département 13 - Bouches-du-Rhône n'est pas dans votre périmètre : choisissez l'un des vôtres.",
            parameter: "departement",
          },
        ],
        [
          DREETS,
          "departement=93&departement=75",
          {
            error: "bad_request",
            message: "« departement » ne prend qu'une valeur.",
            parameter: "departement",
          },
        ],
        [
          DREETS,
          `bassin=${bassin13}`,
          {
            error: "bad_request",
            message: `Le bassin d'emploi ${await bassinName(bassin13!)} n'est pas dans votre périmètre.`,
            parameter: "bassin",
          },
        ],
        [
          DREETS,
          `departement=93&bassin=${bassin94Only[0]}`,
          {
            error: "bad_request",
            message: `Le bassin d'emploi ${await bassinName(bassin94Only[0]!)} n'est pas dans ce département.`,
            parameter: "bassin",
          },
        ],
        [
          DDETS,
          "departement=94",
          {
            error: "bad_request",
            message:
              "Le département 94 - Val-de-Marne n'est pas dans votre périmètre : choisissez l'un des vôtres.",
            parameter: "departement",
          },
        ],
        [
          "agent.dgefp@demo.pilotage.test",
          "departement=99",
          {
            error: "bad_request",
            message: "Le département 99 n'est pas dans votre périmètre : choisissez l'un des vôtres.",
            parameter: "departement",
          },
        ],
      ];
      for (const [email, query, body] of cases) {
        const res = await embed(email, key, query);
        const text = await res.text();
        assert.equal(res.status, 400, `${email} ${query}: ${text}`);
        assert.deepEqual(errorOf(text), body, `${email} ${query}`);
        // The page says it in French too, with no frame and no table.
        const page = await (await as(email)).follow(`${stack.baseUrl}/tableaux-de-bord/${key}?${query}`);
        assert.equal(page.status, 400, `${email} ${query} (page)`);
        assert.ok(
          page.text.includes(String(body.message).replaceAll("'", "&#39;")),
          `${email} ${query} (page)`,
        );
        assert.doesNotMatch(page.text, /<iframe/);
        assert.deepEqual(tablesOf(page.text), []);
      }
      assert.equal(
        (await readAudit(gatewayDb, { limit: 1 }))[0]?.id,
        before,
        "nothing signed, nothing audited",
      );
    });

    it("audits the narrowed token with its choice, and the page hands embed.js the choice the renewal signs again", async () => {
      const key = NARROWED[1]!;
      const [bassin] = await documentedBassins(warehouse, ["93"]);
      const query = `departement=93&bassin=${bassin}`;
      const page = await (await as(DREETS)).follow(`${stack.baseUrl}/tableaux-de-bord/${key}?${query}`);
      assert.equal(page.status, 200);
      const frame = /<iframe[^>]*\ssrc="([^"]+)"[\s\S]*?data-territory="([^"]*)"/.exec(page.text);
      assert.ok(frame, "a frame carrying its territory");
      assert.equal(frame[2]!.replaceAll("&amp;", "&"), query);
      const pageParams = paramsOfUrl(frame[1]!.replaceAll("&amp;", "&"));
      assert.deepEqual(pageParams, { departement: ["93"], bassin: [bassin!] });
      const [audit] = await readAudit(gatewayDb, {
        action: "embed.token_issued",
        actorEmail: DREETS,
        limit: 1,
      });
      assert.deepEqual(audit?.lockedValues, pageParams);
      assert.deepEqual(audit?.details.narrowing, { departement: "93", bassin });
      // What public/embed.js asks for at renewal: the same address's choice, hence the same locks.
      const renewed = await embed(DREETS, key, frame[2]!.replaceAll("&amp;", "&"));
      assert.equal(renewed.status, 200);
      assert.deepEqual(paramsOfUrl(((await renewed.json()) as { url: string }).url), pageParams);
      const [renewal] = await readAudit(gatewayDb, {
        action: "embed.token_issued",
        actorEmail: DREETS,
        limit: 1,
      });
      assert.notEqual(renewal?.id, audit?.id);
      assert.deepEqual(renewal?.details.narrowing, { departement: "93", bassin });
    });

    it("offers the choice as lists from the reference data: the région's départements, then the bassins of the one chosen", async () => {
      const key = NARROWED[0]!;
      const browser = await as(DREETS);
      const optionsOf = (html: string, id: string) => {
        const select = new RegExp(`<select class="fr-select" id="${id}"[^>]*>([\\s\\S]*?)</select>`).exec(
          html,
        );
        return select ? [...select[1]!.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]) : null;
      };
      const whole = await browser.follow(`${stack.baseUrl}/tableaux-de-bord/${key}`);
      assert.deepEqual(optionsOf(whole.text, "territoire-departement"), ["", ...IDF_DEPARTEMENTS]);
      assert.deepEqual(optionsOf(whole.text, "territoire-bassin"), [
        "",
        ...(await documentedBassins(warehouse, IDF_DEPARTEMENTS)),
      ]);
      const narrowed = await browser.follow(`${stack.baseUrl}/tableaux-de-bord/${key}?departement=93`);
      assert.deepEqual(optionsOf(narrowed.text, "territoire-bassin"), [
        "",
        ...(await documentedBassins(warehouse, ["93"])),
      ]);
      assert.match(narrowed.text, /restreint à : <strong>93 - Seine-Saint-Denis<\/strong>/);
      // A one-département profile has no département to choose, only its bassins.
      const ddets = await (await as(DDETS)).follow(`${stack.baseUrl}/tableaux-de-bord/${key}`);
      assert.equal(optionsOf(ddets.text, "territoire-departement"), null);
      assert.deepEqual(optionsOf(ddets.text, "territoire-bassin"), [
        "",
        ...(await documentedBassins(warehouse, ["93"])),
      ]);
    });
  });

  describe("without Metabase (the gateway's own tables)", () => {
    let stack: LoginStack;
    const as = browserPerAccount(() => stack.baseUrl);
    const page = async (email: string, path: string) => (await as(email)).follow(`${stack.baseUrl}${path}`);
    before(async () => {
      stack = await startLoginStack({});
    });
    after(() => stack?.close());

    it("a DREETS narrowed to the 93 sees the DDETS 93's tables; to a bassin of it, fewer rows; outside, a 400", async () => {
      for (const key of NARROWED) {
        const narrowed = await page(DREETS, `/tableaux-de-bord/${key}?departement=93`);
        assert.equal(narrowed.status, 200);
        const ddets = await page(DDETS, `/tableaux-de-bord/${key}`);
        assert.ok(tablesOf(ddets.text).length > 0);
        assert.deepEqual(tablesOf(narrowed.text), tablesOf(ddets.text), key);
        const whole = await page(DREETS, `/tableaux-de-bord/${key}`);
        assert.notDeepEqual(
          tablesOf(whole.text),
          tablesOf(narrowed.text),
          `${key}: the oracle tells them apart`,
        );
        const [bassin] = await documentedBassins(warehouse, ["93"]);
        const inner = await page(DREETS, `/tableaux-de-bord/${key}?departement=93&bassin=${bassin}`);
        assert.equal(inner.status, 200);
        assert.deepEqual(
          tablesOf(inner.text),
          tablesOf((await page(DDETS, `/tableaux-de-bord/${key}?bassin=${bassin}`)).text),
          `${key}: the same bassin, the same tables`,
        );
        // The exports of a narrowed page narrow the same way, and their audit rows say so.
        const exports = [...inner.text.matchAll(/href="(\/api\/questions\/[^"]+)"/g)].map((m) =>
          m[1]!.replaceAll("&amp;", "&"),
        );
        assert.ok(exports.length > 0);
        for (const href of exports) assert.ok(href.endsWith(`&departement=93&bassin=${bassin}`), href);
        const exported = await (
          await as(DREETS)
        ).get(`${stack.baseUrl}${exports[0]!.replace("format=csv&dialect=excel-fr", "format=json")}`);
        assert.equal(exported.status, 200, await exported.clone().text());
        // The file is named after what it holds: the 93, not the whole région.
        assert.match(String(exported.headers.get("content-disposition")), /_93-seine-saint-denis_/);
        await exported.text();
        const [audit] = await readAudit(stack.testStack.deps.db, {
          action: "export.data",
          actorEmail: DREETS,
          limit: 1,
        });
        assert.deepEqual(audit?.lockedValues, { departement: ["93"], bassin: [bassin] });
        for (const [email, query] of [
          [DREETS, "departement=13"],
          [DDETS, "departement=75"],
          ["agent.dgefp@demo.pilotage.test", "departement=93&epci=123456789"],
        ] as const) {
          const refused = await page(email, `/tableaux-de-bord/${key}?${query}`);
          assert.equal(refused.status, 400, `${email} ${query}`);
          assert.deepEqual(tablesOf(refused.text), [], `${email} ${query}`);
        }
      }
    });
  });

  async function bassinName(code: string): Promise<string> {
    const { rows } = await warehouse.query(
      "SELECT nom_bassin_emploi AS nom FROM entrepot.ref_bassin_emploi WHERE code_bassin_emploi = $1",
      [code],
    );
    return String(rows[0]!.nom);
  }
});
