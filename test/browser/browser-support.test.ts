import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { assertEveryChartHasItsTable, parseCsv } from "./support/dashboard-checks.js";
import { launchChromium, markedProcesses, type LaunchedChromium } from "./support/chromium.js";
import { tabTo } from "./support/keyboard.js";
import { JourneyRecorder, type CheckedPage } from "./support/page-checks.js";
import { openJourney, type JourneyPage } from "./support/session.js";

/**
 * The browser harness must be able to fail: these pages each break one rule the journeys rely on.
 */
const page = (body: string, head = "") =>
  `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title>${head}</head>` +
  `<body><main><h1>Essai</h1>${body}</main></body></html>`;

const PAGES: Record<string, { status?: number; html: string }> = {
  "/ok": { html: page(`<p id="texte">Texte.</p><a href="/ok">Lien</a>`) },
  "/absent": { status: 404, html: page("<p>Cette page n'existe pas.</p>") },
  "/unlabelled-field": { html: page(`<input type="text" name="email">`) },
  "/outside-landmarks": {
    html: `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title></head><body><main><h1>Essai</h1></main><p>Hors de tout repère.</p></body></html>`,
  },
  "/script-error": { html: page(`<script>throw new Error("boum");</script>`) },
  "/missing-stylesheet": { html: page("<p>Texte.</p>", `<link rel="stylesheet" href="/absent.css">`) },
  "/charts": {
    html: page(
      `<section><h2>A</h2><canvas aria-hidden="true"></canvas><table><caption>Tableau A</caption><tr><th>x</th></tr></table></section>` +
        `<section><h2>B</h2><bar-chart><svg role="img" aria-label="B"></svg></bar-chart><table><caption>Tableau B</caption><tr><th>x</th></tr></table></section>`,
    ),
  },
  "/chart-without-table": {
    html: page(
      `<section><h2>A</h2><canvas aria-hidden="true"></canvas><table><caption>Tableau A</caption><tr><th>x</th></tr></table></section>` +
        `<section><h2>B</h2><canvas aria-hidden="true"></canvas></section>`,
    ),
  },
  "/hidden-focus": {
    html: page(
      `<a href="/ok" id="lien">Lien</a>`,
      `<style>a:focus, a:focus-visible { outline: none; }</style>`,
    ),
  },
};

describe("browser harness (Chromium, axe-core, keyboard)", function () {
  this.timeout(60_000);
  let chromium: LaunchedChromium;
  let server: http.Server;
  let baseUrl: string;
  let journey: JourneyPage;
  const report: CheckedPage[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const found = PAGES[req.url ?? ""];
      res.writeHead(found?.status ?? (found ? 200 : 404), { "content-type": "text/html; charset=utf-8" });
      res.end(found?.html ?? "");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    server?.close();
  });
  beforeEach(async () => {
    journey = await openJourney({ browser: chromium.browser, baseUrl }, "Essai du harnais");
  });
  afterEach(async () => journey?.close());

  const recorder = () => new JourneyRecorder("Essai du harnais", journey.page, report);

  it("Chromium's processes carry the marker while it runs (so a leftover would be found)", async () => {
    const processes = await markedProcesses(chromium.marker);
    assert.ok(processes.length >= 2, `expected the browser and its helpers, found ${processes.length}`);
    assert.ok(processes.some((proc) => proc.command.includes("--headless")));
  });

  it("a clean page passes, even when its status is 404 (the page is meant to be one)", async () => {
    const check = recorder();
    await journey.page.goto("/ok");
    const ok = await check.check("ok");
    assert.deepEqual(ok.findings, []);
    await journey.page.goto("/absent");
    await check.check("absent");
    check.finish();
  });

  it("a critical violation fails the check, naming the rule", async () => {
    const check = recorder();
    await journey.page.goto("/unlabelled-field");
    await assert.rejects(check.check("champ"), (error: Error) => {
      assert.match(error.message, /serious or critical violations/);
      assert.match(error.message, /rule: 'label'/);
      return true;
    });
  });

  it("a moderate violation is recorded, not fatal", async () => {
    const check = recorder();
    await journey.page.goto("/outside-landmarks");
    const checked = await check.check("hors repère");
    assert.deepEqual(
      checked.findings.map((finding) => [finding.rule, finding.impact]),
      [["region", "moderate"]],
    );
    assert.equal(report.at(-1), checked);
  });

  it("a script error and a missing stylesheet fail the check", async () => {
    const check = recorder();
    await journey.page.goto("/script-error");
    await assert.rejects(check.check("script"), /script error: boum/);
    await journey.page.goto("/missing-stylesheet");
    await assert.rejects(check.check("feuille de style"), /Failed to load resource.*absent\.css/s);
  });

  it("a page loaded without a check fails the journey", async () => {
    const check = recorder();
    await journey.page.goto("/ok");
    await check.check("ok");
    await journey.page.goto("/ok");
    assert.throws(() => check.finish(), /pages loaded without an accessibility check/);
  });

  it("Tab reaches a link and counts the presses; an invisible focus fails", async () => {
    await journey.page.goto("/ok");
    assert.equal(await tabTo(journey.page, journey.page.getByRole("link", { name: "Lien" })), 1);
    await assert.rejects(
      tabTo(journey.page, journey.page.locator("#texte"), { max: 3 }),
      /Tab × 3 never reached/,
    );
    await journey.page.goto("/hidden-focus");
    await assert.rejects(tabTo(journey.page, journey.page.locator("#lien")), /is not visible/);
  });

  it("every chart must have its own data table with a caption", async () => {
    await journey.page.goto("/charts");
    assert.deepEqual(await assertEveryChartHasItsTable(journey.page), [
      { chart: "canvas", caption: "Tableau A" },
      { chart: "bar-chart", caption: "Tableau B" },
    ]);
    await journey.page.goto("/chart-without-table");
    await assert.rejects(assertEveryChartHasItsTable(journey.page), /its table's block holds 2 charts/);
  });

  it("reads CSV with quotes, separators and newlines inside fields", () => {
    assert.deepEqual(parseCsv('\uFEFFa;b\r\n"x;1";"dit ""oui""\nbis"\r\n', ";"), [
      ["a", "b"],
      ["x;1", 'dit "oui"\nbis'],
    ]);
  });
});
