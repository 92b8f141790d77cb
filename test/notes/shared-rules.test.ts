import assert from "node:assert/strict";
import path from "node:path";
import { createResultCache } from "../../src/cache/result-cache.js";
import { readCatalog, validateCatalog, type Catalog } from "../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { memoryCacheStore } from "../../src/storage/cache-store.js";
import type { Database } from "../../src/storage/database.js";
import { createLoadMarkerReader } from "../../src/warehouse/load-marker.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { Browser, loginAs } from "../support/login.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * A note reads like the dashboard it behaves like, through the dashboards' own code: their cut-off rule
 * and cell formats, their narrowing rule, their result cache, and a public page's cache headers. The
 * notes of test/fixtures/note-catalog (and its question) are added to the repository's catalogue.
 */
const FIXTURE = path.join(PROJECT_ROOT, "test/fixtures/note-catalog");
const EMPLOYER = "employeur.siae@demo.pilotage.test";
const DREETS = "agent.dreets-idf@demo.pilotage.test";
const ETP_2026 = "etp-de-mes-structures-en-2026";
const REGION = "candidatures-de-ma-region";
const PUBLIC = "les-structures-de-l-inclusion";

/** The repository's catalogue with the fixture's questions and notes, valid as `pilotage validate` says. */
async function fixtureCatalog(): Promise<Catalog> {
  const { catalog: repository } = await testContent();
  const { catalog: fixture, problems } = await readCatalog(FIXTURE);
  // The fixture holds notes and a question only: its profile kinds are the repository's.
  assert.deepEqual(
    problems.map((p) => p.rule),
    ["profile-kinds.missing"],
  );
  const catalog = {
    ...repository,
    questions: [...repository.questions, ...fixture.questions],
    notes: fixture.notes,
  };
  assert.deepEqual(validateCatalog(catalog), []);
  return catalog;
}

async function lookups(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.cacheLookups.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.cache} ${v.labels.outcome}`, v.value]));
}

describe("notes read with the dashboards' rules", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let warehouse: Database;
  let metrics: Metrics;
  const url = (p: string) => `${stack.baseUrl}${p}`;

  before(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    warehouse = await openTestWarehouse();
    const loadMarker = createLoadMarkerReader({ warehouse });
    const store = memoryCacheStore({ maxBytes: 8 << 20, maxEntryBytes: 1 << 20 });
    stack = await startLoginStack({
      provider: { accounts: DEMO_ACCOUNTS },
      catalog: await fixtureCatalog(),
      metrics,
      deps: { resultCache: createResultCache({ store, loadMarker, ttlSeconds: 3600, metrics }) },
    });
  });
  after(async () => {
    await stack.close();
    await warehouse.close();
  });

  it("shows no month after the data's cut-off, and says so, as a dashboard's card does", async () => {
    const page = await (await loginAs(stack.baseUrl, EMPLOYER)).follow(url(`/notes/${ETP_2026}`));
    assert.equal(page.status, 200);
    assert.match(page.text, /<time datetime="2026-10-31">31 octobre 2026<\/time>/);
    // The table is a card's (src/views/dashboards/data-table.ejs): months kept on one line, as there.
    const months = [...page.text.matchAll(/<td class="pilotage-insecable">([a-zéû]+\.? 2026)<\/td>/g)].map(
      (m) => m[1],
    );
    assert.ok(months.includes("oct. 2026"), JSON.stringify(months));
    // The chart says once what it shows and where its table is (src/views/dashboards/chart.ejs).
    assert.equal(page.text.match(/Les mêmes données figurent dans le tableau qui suit\./g)?.length, 1);
    // Calendar slots the question generates up to December are not data: neither drawn nor listed.
    assert.doesNotMatch(page.text, /nov\. 2026|déc\. 2026/);
    assert.match(
      page.text,
      /<p class="fr-text--sm">Les 6 lignes postérieures au 31 octobre 2026, date d'arrêt des données, ne sont pas affichées\.<\/p>/,
    );
  });

  it("reads a note's figures through the result cache: a second view runs no query", async () => {
    const employer = await loginAs(stack.baseUrl, EMPLOYER);
    const before = await lookups(metrics);
    const first = await employer.follow(url(`/notes/${ETP_2026}`));
    const afterFirst = await lookups(metrics);
    const second = await employer.follow(url(`/notes/${ETP_2026}`));
    const afterSecond = await lookups(metrics);
    assert.equal(second.text, first.text);
    const delta = (from: Record<string, number>, to: Record<string, number>) => ({
      hits: (to["card_data hit"] ?? 0) - (from["card_data hit"] ?? 0),
      misses: (to["card_data miss"] ?? 0) - (from["card_data miss"] ?? 0),
    });
    // The earlier test viewed this note already: its entry may be warm. Either way, the second view
    // reads the note's one query from the cache, never from the warehouse.
    assert.equal(delta(before, afterFirst).hits + delta(before, afterFirst).misses, 1);
    assert.deepEqual(delta(afterFirst, afterSecond), { hits: 1, misses: 0 });
  });

  it("narrows by the dashboards' rule: a 400, not a 403, for a lock the chosen territory cannot fill", async () => {
    const dreets = await loginAs(stack.baseUrl, DREETS);
    const { rows } = await warehouse.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM entrepot.candidatures WHERE region_structure = 'Île-de-France'",
    );
    const whole = await dreets.follow(url(`/notes/${REGION}`));
    assert.equal(whole.status, 200);
    const count = new Intl.NumberFormat("fr-FR").format(rows[0]!.n);
    assert.ok(whole.text.includes(`<span class="pilotage-chiffre">${count}</span>`), count);
    // The note is locked on the région: narrowed to the 93 it cannot be read, and the reader is told why.
    const narrowed = await dreets.follow(url(`/notes/${REGION}?departement=93`));
    assert.equal(narrowed.status, 400);
    assert.match(
      narrowed.text,
      /Ce tableau de bord ne se restreint pas à ce territoire : il se lit sur tout votre périmètre\./,
    );
    assert.doesNotMatch(narrowed.text, /pilotage-chiffre/);
    const outside = await dreets.follow(url(`/notes/${REGION}?departement=13`));
    assert.equal(outside.status, 400);
    assert.match(
      outside.text,
      /Le département 13 - Bouches-du-Rhône n&#39;est pas dans votre périmètre : choisissez l&#39;un des vôtres\./,
    );
    assert.doesNotMatch(outside.text, /pilotage-chiffre/);
  });

  it("keeps a public note whole for anonymous readers only, lets shared caches do so, and varies on the cookie", async () => {
    const headers = (page: { status: number; headers: Headers }) => ({
      status: page.status,
      cacheControl: page.headers.get("cache-control"),
      vary: page.headers.get("vary"),
    });
    const pagesBefore = await lookups(metrics);
    const anonymous = await new Browser().follow(url(`/notes/${PUBLIC}`));
    // A public page's lifetime in shared caches (PUBLIC_PAGE_CACHE_SECONDS, 60 s by default).
    assert.deepEqual(headers(anonymous), {
      status: 200,
      cacheControl: "public, max-age=60",
      vary: "Cookie",
    });
    // Kept whole, as a public dashboard's page is: the next anonymous reader gets the same bytes.
    const again = await new Browser().follow(url(`/notes/${PUBLIC}`));
    assert.equal(again.text, anonymous.text);
    const pagesAfter = await lookups(metrics);
    assert.deepEqual(
      [pagesAfter["public_page miss"] ?? 0, pagesAfter["public_page hit"] ?? 0],
      [(pagesBefore["public_page miss"] ?? 0) + 1, (pagesBefore["public_page hit"] ?? 0) + 1],
    );
    assert.match(
      anonymous.text,
      /La France compte <span class="pilotage-chiffre">[\d\u202f]+<\/span> structures/,
    );
    // The same note for a logged-in reader: their name is in the page's header.
    const loggedIn = await (await loginAs(stack.baseUrl, EMPLOYER)).follow(url(`/notes/${PUBLIC}`));
    assert.deepEqual(headers(loggedIn), { status: 200, cacheControl: "private, no-store", vary: "Cookie" });
    assert.match(loggedIn.text, /La France compte <span class="pilotage-chiffre">/);
    // A session cookie the server does not know is no proof of anonymity either.
    const stale = await new Browser().get(url(`/notes/${PUBLIC}`), { cookie: "pilotage.sid=s%3Ainconnue.x" });
    await stale.body?.cancel();
    assert.deepEqual(headers(stale), { status: 200, cacheControl: "private, no-store", vary: "Cookie" });
  });
});

describe("a public note's readers, limited with public dashboards' in one count", function () {
  this.timeout(60_000);
  let stack: LoginStack;

  // Without Redis (the demo's case, and every process's fallback when Redis is away): one counter in the
  // process, so two limiters would each count their own pages.
  before(async () => {
    stack = await startLoginStack({
      env: { PUBLIC_RATE_LIMIT_PER_MINUTE: "2" },
      catalog: await fixtureCatalog(),
      redis: "none",
    });
  });
  after(() => stack.close());

  it("counts an anonymous address's public dashboards and public notes together", async () => {
    const anyone = new Browser();
    assert.equal((await anyone.get(`${stack.baseUrl}/public/etp-conventionnes-par-departement`)).status, 200);
    assert.equal((await anyone.get(`${stack.baseUrl}/notes/${PUBLIC}`)).status, 200);
    // The third public page of the minute, whichever kind: two limiters would each have allowed it.
    assert.equal((await anyone.get(`${stack.baseUrl}/notes/${PUBLIC}`)).status, 429);
    assert.equal((await anyone.get(`${stack.baseUrl}/public/etp-conventionnes-par-departement`)).status, 429);
  });
});
