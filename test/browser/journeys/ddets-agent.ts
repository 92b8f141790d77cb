import assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";
import { decodeJwt } from "../../support/jwt.js";
import { assertEveryChartHasItsTable, parseCsv, savedDownload } from "../support/dashboard-checks.js";
import { loginWithDemoProvider, logoutThroughProvider } from "../support/demo-login.js";
import { startDemoServer, type DemoServer } from "../support/demo-server.js";
import { serveMetabaseEmbedFrontend } from "../support/metabase-embed-frontend.js";
import { startMetabaseStack, type MetabaseStack } from "../support/metabase-stack.js";
import { tabAndEnter, tabTo } from "../support/keyboard.js";
import type { JourneyRecorder } from "../support/page-checks.js";
import { openJourney, type BrowserJourneyContext, type JourneyPage } from "../support/session.js";

export const DDETS_AGENT = { email: "agent.ddets93@demo.pilotage.test", name: "Camille Martin" };
/** A dashboard every DDETS agent may open, with a département lock (metabase-config/dashboards/). */
export const DDETS_DASHBOARD = {
  key: "candidatures-recues-par-les-siae",
  title: "Candidatures reçues par les SIAE",
};
const TERRITORY = "93 - Seine-Saint-Denis";

/** From the skip link on the current page, Tab to a link of the content and follow it. */
async function throughContent(page: Page, link: Locator, max = 40): Promise<void> {
  await tabTo(page, page.getByRole("link", { name: "Contenu", exact: true }), { max: 1 });
  await page.keyboard.press("Enter");
  await tabAndEnter(page, link, { max });
}

/**
 * The CSV link of a card, by keyboard: the download must be a CSV of the agent's département only (any
 * territory column holds 93 and nothing else).
 */
async function downloadCsvByKeyboard(
  page: Page,
  recorder: JourneyRecorder,
  card: Locator,
): Promise<string[][]> {
  const csvLink = card.getByRole("link", { name: /^Télécharger \(CSV\)/ });
  assert.match((await csvLink.getAttribute("href")) ?? "", /^\/api\/questions\/[^?]+\/data\?format=csv/);
  await tabTo(page, csvLink, { max: 60 });
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  const { name, text } = await savedDownload(download, recorder.directory);
  // The file says whose data it holds: the question, the territory, the day.
  assert.match(name, /_93-seine-saint-denis_\d{4}-\d{2}-\d{2}\.csv$/);
  const separator = text.split("\n")[0]?.includes(";") ? ";" : ",";
  const [header, ...rows] = parseCsv(text, separator).filter((row) => row.some((cell) => cell !== ""));
  assert.ok(header && header.length > 0, "a header row");
  assert.ok(rows.length > 0, "at least one data row");
  const territoryColumns = header
    .map((label, index) => ({ label: label.normalize("NFD").replace(/[\u0300-\u036f]/g, ""), index }))
    .filter(({ label }) => /^departement/i.test(label));
  for (const { index } of territoryColumns) {
    const values = new Set(rows.map((row) => row[index]));
    assert.deepEqual(
      [...values].filter((value) => !value?.startsWith("93")),
      [],
      `only the 93 in column ${header[index]}`,
    );
  }
  return [header, ...rows];
}

/** Journey 1: a DDETS agent, by keyboard only, from the home page to logging out. */
export function ddetsAgentJourney(ctx: () => BrowserJourneyContext): void {
  describe("1. a DDETS agent logs in, opens a dashboard, downloads its data, logs out", () => {
    let journey: JourneyPage;
    before(async () => {
      journey = await openJourney(ctx(), "1. Agent DDETS au clavier");
    });
    after(async () => journey?.close());

    it("by keyboard only: skip link, login button, demo form, hub, dashboard (chart and table), CSV, hub link, logout", async () => {
      const { page, recorder } = journey;
      await page.goto("/");
      await recorder.check("Accueil");
      await throughContent(page, page.locator("#contenu").getByRole("link", { name: "Se connecter" }), 1);

      await loginWithDemoProvider(page, recorder, DDETS_AGENT.email, { keyboard: true });
      assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord", "the home page leads to the hub");
      assert.equal(await page.locator("#identite-connectee").innerText(), DDETS_AGENT.name);
      assert.match(await page.locator("#perimetre-hub").innerText(), new RegExp(TERRITORY));
      const themes = await page.locator("#contenu h2").allInnerTexts();
      assert.ok(themes.includes("Recrutement") && themes.includes("Données publiques"), themes.join(" | "));
      await recorder.check("Tableaux de bord");

      await throughContent(page, page.getByRole("link", { name: DDETS_DASHBOARD.title, exact: true }));
      assert.equal(new URL(page.url()).pathname, `/tableaux-de-bord/${DDETS_DASHBOARD.key}`);
      assert.match(await page.locator("h1").innerText(), new RegExp(`— ${TERRITORY}$`));
      const charts = await assertEveryChartHasItsTable(page);
      assert.ok(charts.length > 0, "the demo renders the cards as charts");
      await recorder.check("Tableau de bord du 93");

      // A card whose table has one row per row of data (the first one's is pivoted, as its chart reads).
      const card = page.locator("section.pilotage-carte").nth(1);
      const [header, ...csvRows] = await downloadCsvByKeyboard(page, recorder, card);
      assert.ok(header && header.length > 1, `CSV header: ${header?.join(", ")}`);
      // The same rows as the card's table on the page (numbers are formatted there, raw in the file).
      const tableRows = await card
        .locator("tbody tr")
        .evaluateAll((rows) => rows.map((row) => (row.innerText as string).split("\t")));
      assert.ok(csvRows.length >= tableRows.length && tableRows.length > 0);
      assert.deepEqual(
        tableRows.map((row) => row[0]),
        csvRows.slice(0, tableRows.length).map((row) => row[0]),
      );
      // Back up the page to the link to the hub, then from the hub's top to the header's logout button.
      await tabAndEnter(page, page.getByRole("link", { name: "Tous les tableaux de bord" }), {
        max: 60,
        backwards: true,
      });
      assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord");
      assert.equal(
        await page
          .getByRole("navigation", { name: "Menu principal" })
          .locator('[aria-current="page"]')
          .innerText(),
        "Tableaux de bord",
      );
      await recorder.check("Retour aux tableaux de bord");
      await logoutThroughProvider(page, recorder, { keyboard: true });
      assert.equal(await page.locator("#identite-connectee").count(), 0);
      recorder.finish();
    });
  });

  describe("1b. the same agent, with Metabase configured: the dashboard embedded", function () {
    let stack: MetabaseStack | undefined;
    let demo: DemoServer | undefined;
    before(async function () {
      this.timeout(180_000);
      stack = await startMetabaseStack();
      demo = await startDemoServer({ env: stack.demoEnv, name: "demo-server-metabase" });
    });
    after(async () => {
      await demo?.stop();
      await stack?.close();
    });

    it("the hub, then the dashboard as a titled Metabase frame signed for the 93, with its data tables", async () => {
      if (!stack || !demo) throw new Error("the Metabase stack did not start");
      const { metabase } = stack;
      const { page, context, recorder, close } = await openJourney(
        { browser: ctx().browser, baseUrl: demo.url },
        "1b. Agent DDETS, Metabase intégré",
      );
      try {
        const loads = await serveMetabaseEmbedFrontend(context, metabase);
        await loginWithDemoProvider(page, recorder, DDETS_AGENT.email);
        assert.equal(new URL(page.url()).pathname, "/tableaux-de-bord");
        await recorder.check("Tableaux de bord");
        const queriesBefore = metabase.queries.length;
        await Promise.all([
          page.waitForEvent("load"),
          page.getByRole("link", { name: DDETS_DASHBOARD.title, exact: true }).click(),
        ]);
        assert.match(await page.locator("h1").innerText(), new RegExp(`— ${TERRITORY}$`));
        const frame = page.locator("iframe[data-embed-frame]");
        assert.match((await frame.getAttribute("title")) ?? "", /^Tableau de bord interactif : /);
        assert.ok((await frame.getAttribute("src"))?.startsWith(`${metabase.url}/embed/dashboard/`));
        const inside = page.frameLocator("iframe[data-embed-frame]");
        await inside.locator("h1").waitFor();
        assert.equal(await inside.locator("h1").innerText(), DDETS_DASHBOARD.title);
        // Metabase accepted the gateway's token and ran every card under the 93 lock.
        assert.equal(loads.length, 1);
        assert.equal(loads[0]?.status, 200);
        assert.ok((loads[0]?.cards.length ?? 0) > 0);
        assert.deepEqual(
          loads[0]?.cards.filter((card) => card.status !== 202),
          [],
          "every card answered (202, as Metabase does)",
        );
        const ran = metabase.queries.slice(queriesBefore);
        assert.ok(ran.length > 0);
        for (const query of ran) assert.ok(JSON.stringify(query.values).includes('"93"'), query.sql);
        // The page's script sized the frame from Metabase's message (so it runs under the CSP).
        // (Polled from here: waitForFunction evaluates a string in the page, which the page's CSP refuses.)
        for (let tries = 0; !/height:/.test((await frame.getAttribute("style")) ?? ""); tries += 1) {
          assert.ok(tries < 100, "the page script never sized the Metabase frame");
          await page.waitForTimeout(100);
        }
        // The text alternative: each card as a table, with its export.
        const tables = page.locator("#titre-donnees ~ * table caption");
        assert.ok((await tables.count()) > 0);
        await recorder.check("Tableau de bord intégré");
        recorder.finish();
      } finally {
        await close();
      }
    });

    // PRODUCT.md §3, invariant 4: the page itself (public/embed.js) renews the token before it expires,
    // and the viewer keeps the filter values they chose in Metabase.
    it("renews the frame before its token expires, keeping the viewer's filters and the same locks", async () => {
      if (!stack || !demo) throw new Error("the Metabase stack did not start");
      const { metabase } = stack;
      const { page, context, recorder, close } = await openJourney(
        { browser: ctx().browser, baseUrl: demo.url },
        "1c. Agent DDETS, jeton renouvelé",
      );
      try {
        const loads = await serveMetabaseEmbedFrontend(context, metabase);
        await page.clock.install();
        await loginWithDemoProvider(page, recorder, DDETS_AGENT.email);
        await recorder.check("Tableaux de bord");
        await Promise.all([
          page.waitForEvent("load"),
          page.getByRole("link", { name: DDETS_DASHBOARD.title, exact: true }).click(),
        ]);
        const frame = page.locator("iframe[data-embed-frame]");
        await page.frameLocator("iframe[data-embed-frame]").locator("h1").waitFor();
        await recorder.check("Tableau de bord intégré");
        const first = new URL((await frame.getAttribute("src")) ?? "");
        const expiresAt = Date.parse((await frame.getAttribute("data-expires-at")) ?? "");
        assert.ok(Number.isFinite(expiresAt));
        // The viewer changes a filter inside Metabase: its frame says so, as Metabase's front end does.
        const chosen = new URLSearchParams(first.search);
        chosen.set("filtre-choisi-par-la-personne", "oui");
        const metabaseFrame = page.frames().find((f) => f.url().startsWith(`${metabase.url}/embed/`));
        assert.ok(metabaseFrame, "the Metabase frame is loaded");
        await metabaseFrame.evaluate((search) => {
          const frameWindow = globalThis as unknown as {
            parent: { postMessage(m: unknown, o: string): void };
          };
          frameWindow.parent.postMessage({ metabase: { type: "location", location: { search } } }, "*");
        }, `?${chosen}`);
        await page.waitForTimeout(1_100); // a new token differs from the first one by its iat (seconds)
        // Up to 80 s before expiry (the page renews 90 s before), the viewer idle all along.
        await page.clock.fastForward(Math.max(0, expiresAt - Date.now() - 80_000));
        let renewed = first;
        for (let tries = 0; renewed.href === first.href; tries += 1) {
          assert.ok(tries < 100, "the page never renewed the frame");
          await page.waitForTimeout(100);
          renewed = new URL((await frame.getAttribute("src")) ?? "");
        }
        const tokenOf = (url: URL) => url.pathname.split("/").at(-1) ?? "";
        assert.notEqual(tokenOf(renewed), tokenOf(first));
        assert.deepEqual(
          decodeJwt(tokenOf(renewed)).payload.params,
          decodeJwt(tokenOf(first)).payload.params,
          "the same locks, signed again by the server",
        );
        assert.equal(renewed.search, `?${chosen}`, "the viewer's filters carried over");
        for (let tries = 0; loads.length < 2; tries += 1) {
          assert.ok(tries < 100, "the renewed frame never loaded");
          await page.waitForTimeout(100);
        }
        assert.equal(loads[1]?.status, 200, "Metabase accepts the renewed token");
        recorder.finish();
      } finally {
        await close();
      }
    });
  });
}
