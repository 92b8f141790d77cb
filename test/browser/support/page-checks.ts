import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import axe from "axe-core";
import type { ConsoleMessage, Page } from "playwright-core";
import { ARTIFACTS_DIR, artifactsDir, slugify } from "./artifacts.js";

/** Impacts that fail a journey; the others are recorded in the report, to be listed and explained. */
const BLOCKING_IMPACTS = new Set(["serious", "critical"]);

export interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  helpUrl: string;
  targets: string[];
}

export interface CheckedPage {
  journey: string;
  step: string;
  path: string;
  title: string;
  screenshot: string;
  /** Moderate and minor violations: they do not fail the journey. */
  findings: AxeFinding[];
  /** What axe could not decide (e.g. contrast over an image or a gradient): for a human to look at. */
  incomplete: { rule: string; targets: string[] }[];
}

/** Every page the journeys checked, for the report. */
export const checkedPages: CheckedPage[] = [];

/**
 * One journey in one browser page: every document the page loads must go through `check` (a screenshot,
 * axe-core, and the page's own errors), and `finish` fails when one was not, so no page of a journey
 * escapes the accessibility check.
 */
export class JourneyRecorder {
  private stepNumber = 0;
  private readonly loads: { url: string; checked: boolean }[] = [];
  private readonly errors: string[] = [];
  readonly directory: string;

  constructor(
    readonly journey: string,
    readonly page: Page,
    private readonly report: CheckedPage[] = checkedPages,
  ) {
    this.directory = path.join(ARTIFACTS_DIR, slugify(journey));
    page.on("load", () => this.loads.push({ url: page.url(), checked: false }));
    page.on("pageerror", (error) => this.errors.push(`script error: ${error.message}`));
    page.on("console", (message) => this.onConsole(message));
  }

  private onConsole(message: ConsoleMessage): void {
    if (message.type() !== "error") return;
    const text = message.text();
    if (text.startsWith("Failed to load resource")) {
      const resource = message.location().url;
      // The document's own status (a 404 page is meant to be a 404) is not an error of the page, nor is
      // the browser's own guess at /favicon.ico on a page that declares no icon.
      if (resource === this.page.url() || new URL(resource).pathname === "/favicon.ico") return;
    }
    this.errors.push(`console: ${text} (${message.location().url})`);
  }

  /**
   * The page as it is now: waits for it to settle, saves a screenshot, runs axe-core and fails on any
   * serious or critical violation, on a script error, and on a refused or missing resource (a CSP
   * violation shows up there).
   */
  async check(step: string): Promise<CheckedPage> {
    const { page } = this;
    await page.waitForLoadState("load");
    this.stepNumber += 1;
    await artifactsDir();
    await fs.mkdir(this.directory, { recursive: true });
    const screenshot = path.join(
      this.directory,
      `${String(this.stepNumber).padStart(2, "0")}-${slugify(step)}.png`,
    );
    await page.screenshot({ path: screenshot, fullPage: true });

    const results = await runAxe(page);
    const url = new URL(page.url());
    const checked: CheckedPage = {
      journey: this.journey,
      step,
      // Never the query: it may carry tokens (an id_token_hint, an embed token).
      path: url.pathname,
      title: await page.title(),
      screenshot: path.relative(ARTIFACTS_DIR, screenshot),
      findings: results.violations
        .filter((violation) => !BLOCKING_IMPACTS.has(violation.impact ?? ""))
        .map(toFinding),
      incomplete: results.incomplete.map((result) => ({
        rule: result.id,
        targets: result.nodes.map((node) => node.target.join(" ")),
      })),
    };
    this.report.push(checked);
    const last = this.loads.at(-1);
    if (last) last.checked = true;

    const blocking = results.violations.filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ""));
    assert.deepEqual(
      blocking.map(toFinding),
      [],
      `axe-core: serious or critical violations on "${step}" (${checked.path}), screenshot ${screenshot}`,
    );
    const errors = this.errors.splice(0);
    assert.deepEqual(errors, [], `errors in the browser on "${step}" (${checked.path})`);
    return checked;
  }

  /** Every document the page loaded went through `check`. */
  finish(): void {
    const unchecked = this.loads.filter((load) => !load.checked).map((load) => load.url);
    assert.deepEqual(unchecked, [], `${this.journey}: pages loaded without an accessibility check`);
    assert.deepEqual(this.errors, [], `${this.journey}: errors in the browser after the last check`);
  }
}

function toFinding(violation: axe.Result): AxeFinding {
  return {
    rule: violation.id,
    impact: violation.impact ?? "unknown",
    help: violation.help,
    helpUrl: violation.helpUrl,
    targets: violation.nodes.map((node) => node.target.join(" ")),
  };
}

interface AxeOutcome {
  violations: axe.Result[];
  incomplete: axe.Result[];
}

async function runAxe(page: Page): Promise<AxeOutcome> {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not govern,
  // so the pages are checked under their real policy.
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(axe.source);
  const options: axe.RunOptions = {
    resultTypes: ["violations", "incomplete"],
    // A Metabase frame is another origin without axe inside: waiting for it would only time out. The
    // frame element itself (its title) is still checked here.
    iframes: false,
  };
  // No named function inside: tsx would wrap it in a `__name` helper the page does not have.
  return page.evaluate(async (runOptions) => {
    const engine = (globalThis as unknown as { axe: { run: typeof axe.run } }).axe;
    const results = await engine.run(
      (globalThis as unknown as { document: axe.ElementContext }).document,
      runOptions,
    );
    // Only what the report needs crosses back: the per-check details are large.
    return {
      violations: results.violations.map((result) => ({
        ...result,
        nodes: result.nodes.map((node) => ({ ...node, any: [], all: [], none: [] })),
      })),
      incomplete: results.incomplete.map((result) => ({
        ...result,
        nodes: result.nodes.map((node) => ({ ...node, any: [], all: [], none: [] })),
      })),
    };
  }, options);
}

/** Writes what every checked page left (moderate and minor findings) as JSON and as a readable list. */
export async function writeAccessibilityReport(): Promise<{ pages: number; findings: number; file: string }> {
  await artifactsDir();
  await fs.writeFile(path.join(ARTIFACTS_DIR, "accessibility.json"), JSON.stringify(checkedPages, null, 2));
  const lines = ["# axe-core: moderate and minor findings left", ""];
  const byRule = new Map<string, { finding: AxeFinding; pages: Set<string> }>();
  for (const page of checkedPages) {
    for (const finding of page.findings) {
      const entry = byRule.get(finding.rule) ?? { finding, pages: new Set<string>() };
      entry.pages.add(page.path);
      byRule.set(finding.rule, entry);
    }
  }
  lines.push(`${checkedPages.length} pages checked, ${byRule.size} rules with findings.`, "");
  for (const [rule, { finding, pages }] of byRule) {
    lines.push(`- **${rule}** (${finding.impact}): ${finding.help} — ${[...pages].join(", ")}`);
  }
  const review = new Map<string, Set<string>>();
  for (const page of checkedPages) {
    for (const item of page.incomplete) {
      const targets = review.get(item.rule) ?? new Set<string>();
      for (const target of item.targets) targets.add(target);
      review.set(item.rule, targets);
    }
  }
  lines.push("", "## Left for a human to review (axe could not decide)", "");
  for (const [rule, targets] of review) {
    lines.push(`- **${rule}**: ${[...targets].slice(0, 15).join(" · ")}${targets.size > 15 ? " …" : ""}`);
  }
  lines.push("", "## Pages", "");
  for (const page of checkedPages) {
    lines.push(
      `- ${page.journey} / ${page.step}: \`${page.path}\` « ${page.title} » — ${page.screenshot}` +
        (page.findings.length ? ` — ${page.findings.map((finding) => finding.rule).join(", ")}` : ""),
    );
  }
  const file = path.join(ARTIFACTS_DIR, "accessibility.md");
  await fs.writeFile(file, lines.join("\n") + "\n");
  return { pages: checkedPages.length, findings: byRule.size, file };
}
