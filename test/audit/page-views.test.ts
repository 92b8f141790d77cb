import assert from "node:assert/strict";
import { createPageViewCounter, weeklyPageViews, weekOf } from "../../src/audit/page-views.js";
import { createResultCache } from "../../src/cache/result-cache.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import type { Database, Queryable } from "../../src/storage/database.js";
import { memoryCacheStore } from "../../src/storage/cache-store.js";
import { createLoadMarkerReader } from "../../src/warehouse/load-marker.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, loginAs } from "../support/login.js";
import { openTestWarehouse } from "../support/warehouse-database.js";
import { migratedDatabaseImplementations, openMigratedGateway } from "../support/gateway-database.js";

/**
 * Views of public pages and notes (issue 19): counted in memory, written in batches — never one INSERT
 * per view — per week, with nothing about the person, and shown to staff with their weekly trend.
 */

/** A database that counts the statements it is sent, and can be made to fail. */
function watched(db: Database) {
  const state = { statements: 0, failing: false };
  const queryable: Queryable = {
    query(sql, values, options) {
      state.statements++;
      if (state.failing) return Promise.reject(new Error("connection refused"));
      return db.query(sql, values, options);
    },
  };
  return { queryable, state };
}

describe("page views: the week", () => {
  it("is the Monday of the week in Paris, not in UTC", () => {
    // Sunday 29 November 2026, 23:30 UTC, is already Monday 30 November in Paris.
    assert.equal(weekOf(new Date("2026-11-29T23:30:00Z")), "2026-11-30");
    assert.equal(weekOf(new Date("2026-11-29T22:30:00Z")), "2026-11-23");
    assert.equal(weekOf(new Date("2026-12-02T10:00:00Z")), "2026-11-30");
  });
});

for (const [name, open] of migratedDatabaseImplementations("pageviews")) {
  describe(`page views on ${name}`, function () {
    // PGlite starts and migrates in-process: slow on a loaded machine.
    this.timeout(60_000);
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
    });
    after(() => cleanup());

    it("writes a burst of views in one statement, adds up across flushes, and keeps counts while the database fails", async () => {
      const { queryable, state } = watched(db);
      const at = new Date("2026-11-25T10:00:00Z");
      const counter = createPageViewCounter({ db: queryable, flushMs: 3_600_000, now: () => at });
      for (let i = 0; i < 1000; i++) counter.count({ kind: "note", key: "une-note", signedIn: false });
      counter.count({ kind: "note", key: "une-note", signedIn: true });
      counter.count({ kind: "dashboard", key: "public-1", signedIn: false });
      assert.equal(state.statements, 0, "counting writes nothing");
      await counter.flush();
      assert.equal(state.statements, 1, "one statement for the whole batch");
      await counter.flush();
      assert.equal(state.statements, 1, "nothing to write, nothing sent");

      state.failing = true;
      counter.count({ kind: "note", key: "une-note", signedIn: false });
      await counter.flush();
      state.failing = false;
      await counter.stop();

      assert.deepEqual(await weeklyPageViews(db, { weeks: 12, now: at }), [
        { week: "2026-11-23", kind: "dashboard", key: "public-1", anonymous: 1, signedIn: 0 },
        { week: "2026-11-23", kind: "note", key: "une-note", anonymous: 1001, signedIn: 1 },
      ]);
      // Nothing about the person: a page, a week, signed in or not, a number.
      const { rows } = await db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'page_views' ORDER BY ordinal_position",
      );
      assert.deepEqual(
        rows.map((r) => r["column_name"]),
        ["week", "resource_kind", "resource_key", "signed_in", "views"],
      );
    });
  });
}

describe("page views through the pages, on the staff usage page", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let db: Database;
  let flush: () => Promise<void>;
  before(async () => {
    // A database of its own: the counters of other suites' gateways flush into the shared one.
    const fresh = await openMigratedGateway("pvpages");
    ({ db } = fresh);
    const counter = createPageViewCounter({ db, flushMs: 3_600_000 });
    flush = () => counter.flush();
    // With the result cache, as production runs: the second and third anonymous views of the public page
    // are served whole from it, without reaching the route, and must be counted all the same.
    const warehouse = await openTestWarehouse();
    const resultCache = createResultCache({
      store: memoryCacheStore({ maxBytes: 1 << 24, maxEntryBytes: 1 << 20 }),
      loadMarker: createLoadMarkerReader({ warehouse }),
      ttlSeconds: 3600,
    });
    stack = await startLoginStack({
      provider: { accounts: DEMO_ACCOUNTS },
      db,
      deps: { pageViews: counter, resultCache },
    });
    after(async () => {
      await counter.stop();
      await db.close();
      await warehouse.close();
      await fresh.drop();
    });
  });
  after(() => stack?.close());
  // Each test counts from nothing: what an earlier one counted or visited would change the tables.
  beforeEach(async () => {
    await flush();
    await db.exec("TRUNCATE page_views, dashboard_visits");
  });

  it("counts public dashboards and notes, with and without login, and shows staff the weekly trend", async () => {
    const url = (path: string) => `${stack.baseUrl}${path}`;
    const anonymous = new Browser();
    for (let i = 0; i < 3; i++)
      assert.equal((await anonymous.follow(url("/public/etp-conventionnes-par-departement"))).status, 200);
    const ddets = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    assert.equal((await ddets.follow(url("/notes/les-femmes-dans-les-recrutements-de-l-iae"))).status, 200);
    assert.equal((await ddets.follow(url("/public/etp-conventionnes-par-departement"))).status, 200);
    // A private dashboard is the visit log's (per person), not these counts.
    assert.equal((await ddets.follow(url("/tableaux-de-bord/pass-iae"))).status, 200);
    await flush();

    const usage = await (
      await loginAs(stack.baseUrl, "admin@demo.pilotage.test")
    ).follow(url("/admin/usage"));
    assert.equal(usage.status, 200);
    const pages = [
      ...usage.text.matchAll(
        /<tr><td>([^<]+)<\/td><td>([^<]+)<\/td><td class="pilotage-nombre">(\d+)<\/td><td class="pilotage-nombre">(\d+)<\/td><td class="pilotage-nombre">(\d+)<\/td><\/tr>/g,
      ),
    ].map((m) => m.slice(1));
    assert.deepEqual(pages, [
      ["ETP conventionnés par département", "Tableau de bord public", "4", "0", "4"],
      ["Les femmes dans les recrutements de l&#39;IAE", "Note d&#39;analyse", "1", "0", "1"],
    ]);
    const weeks = [
      ...usage.text.matchAll(
        /<tr><td>(\d{1,2}(?:er)? [a-zéû]+ \d{4}(?: \(en cours\))?)<\/td><td class="pilotage-nombre">(\d+)<\/td><td class="pilotage-nombre">(\d+)<\/td><td class="pilotage-nombre">(\d+)<\/td><\/tr>/g,
      ),
    ].map((m) => m.slice(1));
    assert.equal(weeks.length, 12, "twelve weeks, newest first");
    assert.deepEqual(weeks[0]!.slice(1), ["3", "2", "5"]);
    assert.deepEqual(
      weeks.map(([label]) => label!.endsWith(" (en cours)")),
      [true, ...Array<boolean>(11).fill(false)],
      "the current week, and it alone, is said to be in progress",
    );
    // The gateway's own chart, as on the dashboards: counts on a whole-numbered axis from zero, no chart library.
    assert.match(
      usage.text,
      /<p class="pilotage-graphique__titre-valeurs">Consultations<\/p>\s*<div class="pilotage-graphique__graduations">\s*<span>3<\/span><span>2<\/span><span>1<\/span><span>0<\/span>\s*<\/div>/,
    );
    assert.match(usage.text, /Graphique : consultations par semaine, sans connexion et connectés\./);
    // Along the axis, the same twelve weeks in short (« 14 sept. »), the current one said to be in progress.
    const axis = /<div class="pilotage-graphique__categories">([\s\S]*?)<\/div>/.exec(usage.text)?.[1] ?? "";
    const labels = [...axis.matchAll(/<span class="[^"]*">([^<]*)<\/span>/g)].map((m) => m[1]!);
    assert.equal(labels.length, 12);
    for (const label of labels) assert.match(label, /^\d{1,2}(?:er)? [a-zéû]+\.?(?: \(en cours\))?$/);
    assert.deepEqual(
      labels.map((l) => l.endsWith(" (en cours)")),
      [...Array<boolean>(11).fill(false), true],
    );
    assert.doesNotMatch(usage.text, /DSFRChart|<line-chart/);
  });

  it("says a public dashboard read without login only has no signed-in visit, and how often it was read", async () => {
    const url = (path: string) => `${stack.baseUrl}${path}`;
    // A signed-in visit each: a public dashboard and a private one, which the list below leaves out.
    const ddets = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    assert.equal((await ddets.follow(url("/public/etp-conventionnes-par-departement"))).status, 200);
    assert.equal((await ddets.follow(url("/tableaux-de-bord/pass-iae"))).status, 200);
    const anonymous = new Browser();
    for (let i = 0; i < 2; i++)
      assert.equal((await anonymous.follow(url("/public/structures-par-type-et-departement"))).status, 200);
    await flush();
    const usage = await (
      await loginAs(stack.baseUrl, "admin@demo.pilotage.test")
    ).follow(url("/admin/usage"));
    const section = /<section [^>]*id="sans-visite">([\s\S]*?)<\/section>/.exec(usage.text)?.[1] ?? "";
    assert.match(
      section,
      /<h2 id="titre-sans-visite" class="fr-h5">Sans visite d'agent connecté sur la période<\/h2>/,
    );
    // The public dashboard read by the DDETS agent has a visit; the other one is read without login
    // only: listed, with its count, so it does not read as unused.
    assert.deepEqual(
      [...section.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]),
      [
        "Candidatures reçues par les SIAE",
        "Les ESAT du territoire",
        "ETP conventionnés et réalisés",
        "Les femmes dans l&#39;IAE",
        "Les personnes orientées par mon organisation",
        "Mes structures",
        "Orientations des prescripteurs du territoire",
        "Les structures adhérentes de mon réseau",
        "Les structures de l&#39;inclusion dans l&#39;emploi — tableau public, 2 consultations sans connexion",
      ],
    );
  });
});
