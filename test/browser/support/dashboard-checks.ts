import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import type { Download, Page } from "playwright-core";

/** What counts as a chart: the gateway's own (figure.pilotage-graphique), any canvas or drawn svg, @gouvfr/dsfr-chart's elements. */
const CHART_SELECTOR = [
  "figure.pilotage-graphique",
  "canvas",
  "svg[role='img']",
  ...["bar-chart", "line-chart", "pie-chart", "bar-line-chart", "map-chart", "map-chart-reg"],
  ...["radar-chart", "scatter-chart", "gauge-chart"],
].join(", ");

export interface ChartTable {
  /** The chart's tag (a @gouvfr/dsfr-chart element, a canvas, an svg). */
  chart: string;
  /** The caption of the table that goes with it, or null when it has none. */
  caption: string | null;
}

/**
 * Every chart of the page comes with a data table (its text alternative, RGAA 1.x and PRODUCT.md §7): from
 * each chart, the nearest enclosing block that holds a table must hold only that chart, and the table
 * must have a caption.
 */
export async function chartsAndTheirTables(page: Page): Promise<ChartTable[]> {
  return page.evaluate((chartSelector) => {
    // Browser-side code: the DOM types are not in this project's compilation.
    const doc = (globalThis as any).document;
    const charts: any[] = Array.from(doc.querySelectorAll(chartSelector));
    // A canvas or svg drawn inside a chart element is that same chart.
    // (The gateway's figure holds svg parts: they are the figure's.)
    const outer = charts.filter((chart) => !chart.parentElement?.closest(chartSelector));
    return outer.map((chart) => {
      let block = chart.parentElement;
      while (block && !block.querySelector("table")) block = block.parentElement;
      const caption = block?.querySelector("table caption");
      const alone = Array.from(block ? block.querySelectorAll(chartSelector) : []).filter(
        (node: any) => !node.parentElement?.closest(chartSelector),
      ).length;
      return {
        chart:
          String(chart.tagName).toLowerCase() +
          (alone > 1 ? ` (its table's block holds ${alone} charts)` : ""),
        caption: caption
          ? String(caption.textContent ?? "")
              .replace(/\s+/g, " ")
              .trim()
          : null,
      };
    });
  }, CHART_SELECTOR);
}

export async function assertEveryChartHasItsTable(page: Page): Promise<ChartTable[]> {
  const found = await chartsAndTheirTables(page);
  const faulty = found.filter((entry) => !entry.caption || entry.chart.includes("holds"));
  assert.deepEqual(faulty, [], "every chart needs its own data table with a caption");
  return found;
}

/** Saves a download next to the journey's screenshots and returns its text. */
export async function savedDownload(
  download: Download,
  directory: string,
): Promise<{ name: string; text: string }> {
  const name = download.suggestedFilename();
  const file = path.join(directory, name);
  await fs.mkdir(directory, { recursive: true });
  await download.saveAs(file);
  return { name, text: await fs.readFile(file, "utf8") };
}

/** A CSV's header and rows (quoted fields with the separator or newlines inside are handled). */
export function parseCsv(text: string, separator = ","): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const body = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && body[i + 1] === "\n") i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
