import assert from "node:assert/strict";
import type { Catalog, Dashboard } from "../../src/catalog/index.js";
import { columnHeader } from "../../src/catalog/columns.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { documentedProfile } from "../support/demo-profiles.js";
import { withDocumentedTerritories } from "../support/documented-territories.js";
import { Browser, browserPerAccount } from "../support/login.js";
import { readerFacingProblems } from "../support/reader-facing.js";

/**
 * Issue 17's acceptance on the pages: every starter dashboard, opened by someone it is meant for, opens
 * with its key figures and the data's cut-off date, and every card of it — tile, chart, table, grouped
 * table — shows labels, never an SQL alias, and months as months (test/support/reader-facing-text.ts).
 */

function decode(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&#39;/g, "'")
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

function all(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((m) => decode(m[1]!));
}

/** A table's headers and rows of cells. */
function tablesIn(html: string): Array<{ headers: string[]; rows: string[][] }> {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => ({
    headers: all(m[1]!.split("</thead>")[0]!, /<th scope="col"[^>]*>([\s\S]*?)<\/th>/g),
    rows: [...(m[1]!.split("</thead>")[1] ?? "").matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      all(r[1]!, /<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g),
    ),
  }));
}

/** The page cut in one piece per card (`carte-N`), tiles and sections alike. */
function cardChunks(html: string): Map<string, string> {
  const marks = [...html.matchAll(/ (?:id|aria-labelledby)="(carte-\d+)(?:-titre)?"/g)];
  const chunks = new Map<string, string>();
  marks.forEach((m, i) => {
    if (chunks.has(m[1]!)) return;
    const end = marks.slice(i + 1).find((n) => n[1] !== m[1])?.index ?? html.indexOf('id="avis"');
    chunks.set(m[1]!, html.slice(m.index, end < 0 ? undefined : end));
  });
  return chunks;
}

describe("what a reader sees on every starter dashboard (issue 17)", function () {
  this.timeout(120_000);
  let stack: LoginStack;
  let catalog: Catalog;

  before(async () => {
    stack = await startLoginStack({ provider: { accounts: [...DEMO_ACCOUNTS] } });
    catalog = (await testContent()).catalog;
  });
  after(() => stack.close());

  const as = browserPerAccount(() => stack.baseUrl);

  /**
   * The page as someone it is meant for sees it: anyone for a public one, else the first demo account
   * allowed whose perimeter holds data for every key figure (a synthetic département may have no ESAT).
   */
  async function open(dashboard: Dashboard): Promise<{ who: string; text: string }> {
    if (dashboard.public) {
      const page = await new Browser().follow(`${stack.baseUrl}/public/${dashboard.key}`);
      assert.equal(page.status, 200, dashboard.key);
      return { who: "anonyme", text: page.text };
    }
    // Bassins and EPCI come from the départements (issue 19): the oracle's own reading of the warehouse.
    const accounts = [];
    for (const a of DEMO_ACCOUNTS) {
      const profile = await withDocumentedTerritories(
        documentedProfile(a.email),
        stack.testStack.deps.warehouse,
      );
      if (profile !== null && profile.kind !== "staff" && dashboardAccess(profile, dashboard).allowed)
        accounts.push(a);
    }
    assert.ok(accounts.length > 0, `a demo account may open ${dashboard.key}`);
    let first: { who: string; text: string } | undefined;
    for (const account of accounts) {
      const page = await (
        await as(account.email)
      ).follow(`${stack.baseUrl}/tableaux-de-bord/${dashboard.key}`);
      assert.equal(page.status, 200, `${account.email} × ${dashboard.key}`);
      first ??= { who: account.email, text: page.text };
      if (!page.text.includes('<p class="pilotage-indicateur__valeur">—</p>'))
        return { who: account.email, text: page.text };
    }
    return first!;
  }

  it("every starter dashboard opens with the cut-off date, then two to four key figures, and says how to give feedback", async () => {
    for (const dashboard of catalog.dashboards) {
      const { text } = await open(dashboard);
      const cutoff = text.indexOf('Données arrêtées au <time datetime="2026-10-31">31 octobre 2026</time>');
      const figures = text.indexOf('id="chiffres-cles"');
      const firstCard = text.indexOf('pilotage-carte" aria-labelledby');
      assert.ok(cutoff > 0 && figures > cutoff, `${dashboard.key}: the cut-off date, then the key figures`);
      assert.ok(firstCard < 0 || firstCard > figures, `${dashboard.key}: key figures before the cards`);
      const values = all(text, /<p class="pilotage-indicateur__valeur">([\s\S]*?)<\/p>/g);
      assert.ok(values.length >= 2 && values.length <= 4, `${dashboard.key}: ${values.length} key figures`);
      for (const value of values)
        assert.match(value, /\d/, `${dashboard.key}: a key figure reads ${value} (${values.join(" / ")})`);
      assert.match(
        text,
        /<a class="fr-btn fr-icon-mail-line fr-btn--icon-left" href="mailto:pilotage@demo\.pilotage\.test\?subject=/,
      );
    }
  });

  it("every question of every dashboard shows labels, never an alias, and months as months", async () => {
    const questions = new Map(catalog.questions.map((q) => [q.key, q]));
    let checked = 0;
    const problems: string[] = [];
    for (const dashboard of catalog.dashboards) {
      const { text } = await open(dashboard);
      const chunks = cardChunks(text);
      dashboard.cards.forEach((card, i) => {
        const question = questions.get(card.question)!;
        const chunk = chunks.get(`carte-${i + 1}`);
        assert.ok(chunk, `${dashboard.key}: card ${i + 1} (${card.question}) is on the page`);
        const where = `${dashboard.key}, ${card.question}`;
        const monthHeaders = new Set(question.columns.filter((c) => c.kind === "month").map(columnHeader));
        const tables = tablesIn(chunk);
        const names = [
          ...all(chunk, /<h[2-4] class="[^"]*"[^>]*>([\s\S]*?)<\/h[2-4]>/g),
          ...tables.flatMap((t) => t.headers),
          ...all(chunk, /<p class="fr-tile__detail">([\s\S]*?)<\/p>/g).map((d) => d.split(" : ")[0]!),
          ...all(chunk, /<ul class="pilotage-graphique__legende"[^>]*>([\s\S]*?)<\/ul>/g),
          ...all(chunk, /<p class="pilotage-graphique__titre-(?:valeurs|categories)">([\s\S]*?)<\/p>/g),
          ...all(chunk, /<span class="pilotage-graphique__libelle">([\s\S]*?)<\/span>/g),
        ];
        const categories = all(chunk, /<div class="pilotage-graphique__categories">([\s\S]*?)<\/div>/g);
        const monthCells = [
          ...tables.flatMap((t) =>
            t.headers.flatMap((h, c) => (monthHeaders.has(h) ? t.rows.map((r) => r[c] ?? "") : [])),
          ),
          ...(monthHeaders.size > 0 ? categories : []),
        ];
        if (question.display !== "scalar") {
          assert.ok(tables.length > 0, `${where}: a table`);
          if (monthHeaders.size > 0)
            assert.ok(
              monthCells.some((c) => c !== ""),
              `${where}: months shown`,
            );
        }
        problems.push(...readerFacingProblems({ where, names, monthCells }, question.columns));
        checked++;
      });
    }
    assert.deepEqual(problems, []);
    assert.equal(
      checked,
      catalog.dashboards.reduce((n, d) => n + d.cards.length, 0),
    );
  });

  it("the check itself catches an alias made readable, an underscore and an ISO month", () => {
    assert.deepEqual(
      readerFacingProblems(
        {
          where: "page",
          names: ["Etp conventionnes", "taux_acceptation_pct", "ETP conventionnés", "Mois"],
          monthCells: ["2025-12-01", "déc. 2025"],
        },
        [{ label: "ETP conventionnés" }, { label: "Mois" }],
      ),
      [
        "page : « Etp conventionnes » est le libellé « ETP conventionnés » sans ses accents",
        "page : « taux_acceptation_pct » contient « _ »",
        "page : un mois s'affiche « 2025-12-01 » (date ISO)",
      ],
    );
  });
});
