import assert from "node:assert/strict";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { IDF_DEPARTEMENTS } from "../support/demo-profiles.js";
import { documentedBassins } from "../support/documented-territories.js";
import { browserPerAccount } from "../support/login.js";

/**
 * Issue 19's comparison: for a multi-territory perimeter, one indicator by département (or by bassin
 * inside the chosen département) as a ranked table with the reference of the perimeter, each row a link
 * that narrows the page, and a tile map of the same figures — France for the DGEFP, the région for the
 * DREETS. Checked without Metabase (the page's own tables); the keyboard journey is browser journey 9.
 */
const DREETS = "agent.dreets-idf@demo.pilotage.test";
const DGEFP = "agent.dgefp@demo.pilotage.test";
const DDETS = "agent.ddets93@demo.pilotage.test";
const COMPARED = ["etp-conventionnes-et-realises", "candidatures-recues-par-les-siae"];

interface ComparisonRow {
  rank: string;
  code: string;
  href: string;
  label: string;
  rate: string;
  numerator: number;
  denominator: number;
}

const frenchNumber = (text: string) => Number(text.replace(/\s/g, "").replace(",", "."));

function comparisonOf(html: string): {
  rows: ComparisonRow[];
  reference: { label: string; rate: string; numerator: number; denominator: number };
  tiles: string[];
} | null {
  const section = /<section class="fr-mb-6w" id="comparaison"[\s\S]*?<\/section>/.exec(html)?.[0];
  if (!section) return null;
  const rows = [
    ...section.matchAll(
      /<tr(?: aria-current="true")?>\s*<td>([^<]*)<\/td>\s*<th scope="row"><a class="fr-link" href="([^"]+)" data-territoire="([^"]+)">([^<]+)<\/a><\/th>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>/g,
    ),
  ].map((m) => ({
    rank: m[1]!,
    href: m[2]!.replaceAll("&amp;", "&"),
    code: m[3]!,
    label: m[4]!.replaceAll("&#39;", "'"),
    rate: m[5]!,
    numerator: frenchNumber(m[6]!),
    denominator: frenchNumber(m[7]!),
  }));
  const foot =
    /<tfoot>\s*<tr>\s*<td><\/td>\s*<th scope="row">Référence : ([^<]+)<\/th>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>/.exec(
      section,
    )!;
  const tiles = [...section.matchAll(/<text [^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!);
  return {
    rows,
    reference: {
      label: foot[1]!,
      rate: foot[2]!,
      numerator: frenchNumber(foot[3]!),
      denominator: frenchNumber(foot[4]!),
    },
    tiles,
  };
}

/** « 52,1 % » from two sums, as the page rounds it. */
function rateText(numerator: number, denominator: number): string {
  if (denominator === 0) return "pas de donnée";
  const rate = Math.round((1000 * numerator) / denominator) / 10;
  return `${rate.toFixed(1).replace(".", ",")} %`;
}

function assertRanked(rows: ComparisonRow[], where: string): void {
  const rated = rows.filter((r) => r.rate !== "pas de donnée");
  assert.ok(rated.length > 1, `${where}: several territories have data`);
  const rates = rated.map((r) => frenchNumber(r.rate.replace(" %", "")));
  assert.deepEqual(
    rates,
    [...rates].sort((a, b) => b - a),
    `${where}: highest first`,
  );
  rated.forEach((r, i) => {
    const expected = rates.indexOf(rates[i]!) + 1;
    assert.equal(r.rank, String(expected), `${where}: rank of ${r.code}`);
    assert.equal(r.rate, rateText(r.numerator, r.denominator), `${where}: rate of ${r.code}`);
  });
  for (const r of rows.filter((row) => row.rate === "pas de donnée")) assert.equal(r.rank, "—");
}

describe("comparing territories (issue 19)", function () {
  this.timeout(120_000);
  let stack: LoginStack;
  const as = browserPerAccount(() => stack.baseUrl);
  const page = async (email: string, path: string) => (await as(email)).follow(`${stack.baseUrl}${path}`);

  before(async () => {
    stack = await startLoginStack({ provider: { accounts: [...DEMO_ACCOUNTS] } });
  });
  after(() => stack?.close());

  it("shows the DGEFP every département of France, ranked, on a map of France, against « France entière »", async () => {
    for (const key of COMPARED) {
      const shown = comparisonOf((await page(DGEFP, `/tableaux-de-bord/${key}`)).text);
      assert.ok(shown, key);
      assert.equal(shown.rows.length, 101, key);
      assert.deepEqual(shown.tiles.length, 101, `${key}: one tile per département, overseas included`);
      assert.deepEqual(new Set(shown.tiles), new Set(shown.rows.map((r) => r.code)));
      for (const r of shown.rows) assert.equal(r.href, `?departement=${r.code}`);
      assertRanked(shown.rows, key);
      assert.equal(shown.reference.label, "France entière");
      assert.equal(
        shown.reference.numerator.toFixed(2),
        shown.rows.reduce((t, r) => t + r.numerator, 0).toFixed(2),
      );
      assert.equal(shown.reference.rate, rateText(shown.reference.numerator, shown.reference.denominator));
    }
  });

  it("shows the DREETS its région's eight départements on a map of the région, against « Île-de-France »", async () => {
    for (const key of COMPARED) {
      const shown = comparisonOf((await page(DREETS, `/tableaux-de-bord/${key}`)).text);
      assert.ok(shown, key);
      assert.deepEqual(shown.rows.map((r) => r.code).sort(), [...IDF_DEPARTEMENTS]);
      assert.deepEqual([...shown.tiles].sort(), [...IDF_DEPARTEMENTS]);
      assert.equal(shown.reference.label, "Île-de-France");
      assertRanked(shown.rows, key);
    }
  });

  it("narrows from the table: the 93's row leads to the 93's bassins, whose total is that row", async () => {
    for (const key of COMPARED) {
      const region = comparisonOf((await page(DREETS, `/tableaux-de-bord/${key}`)).text)!;
      const row93 = region.rows.find((r) => r.code === "93")!;
      const narrowed = await page(DREETS, `/tableaux-de-bord/${key}${row93.href}`);
      assert.equal(narrowed.status, 200);
      const bassins = comparisonOf(narrowed.text);
      assert.ok(bassins, key);
      assert.deepEqual(
        bassins.rows.map((r) => r.code).sort(),
        [...(await documentedBassins(stack.testStack.deps.warehouse, ["93"]))].sort(),
      );
      assert.equal(bassins.tiles.length, 0, "no map of bassins: the table alone");
      assert.equal(bassins.reference.label, "93 - Seine-Saint-Denis");
      assert.deepEqual(
        [bassins.reference.numerator, bassins.reference.denominator, bassins.reference.rate],
        [row93.numerator, row93.denominator, row93.rate],
      );
      for (const r of bassins.rows) assert.equal(r.href, `?departement=93&bassin=${r.code}`);
      const inner = await page(DREETS, `/tableaux-de-bord/${key}${bassins.rows[0]!.href}`);
      assert.equal(inner.status, 200);
      assert.match(
        inner.text,
        new RegExp(`<tr aria-current="true">[\\s\\S]*?data-territoire="${bassins.rows[0]!.code}"`),
      );
    }
  });

  it("shows no comparison to a one-département perimeter", async () => {
    for (const key of COMPARED) {
      assert.equal(comparisonOf((await page(DDETS, `/tableaux-de-bord/${key}`)).text), null);
    }
  });
});
