import { parseArgs } from "node:util";
import express from "express";
import {
  anchorDashboard,
  cutoffDay,
  dashboardCardParameters,
  loadCatalog,
  renderQuestion,
  type Catalog,
} from "../../src/catalog/index.js";
import { ensureDemoGrants } from "../../src/demo/grants.js";
import { openCacheStore } from "../../src/cache/open-cache-store.js";
import { createResultCache } from "../../src/cache/result-cache.js";
import { loadConfig } from "../../src/config.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { startServer } from "../../src/server.js";
import type { Queryable } from "../../src/storage/database.js";
import { createLoadMarkerReader, readLoadMarker } from "../../src/warehouse/load-marker.js";
import { sampleProfiles } from "../../src/warehouse/sample-profiles.js";
import { loginAs } from "../../test/support/login.js";
import { formatRow, loadClient, openBenchStores, requiredEnv, startBenchGateway, timed } from "./harness.js";

/**
 * `npm run bench -- pages [--scale 10] [--views 5] [--seconds 5] [--concurrency 8] [--warehouse-url URL]`
 *
 * The gateway's own dashboard pages (no Metabase: every card's SQL runs on the warehouse) at the
 * service's volume:
 *   1. EXPLAIN ANALYZE of every card under the locks of each kind of sample profile: which index each
 *      perimeter filter uses on the fact tables, and what it costs;
 *   2. a national (DGEFP), a regional (DREETS Île-de-France) and a département (DDETS 93) view of the same
 *      dashboard: the first view, then the next ones (the result cache answers them), as the browser sees
 *      them (client time, login excluded);
 *   3. a public page, anonymous: its first view, then its throughput at N clients against a bare Express
 *      handler sending the same HTML, in the same run.
 * Targets: a national view, cached, ≤ 10 % of the first; the public page, cached, ≥ 0.3× the bare handler.
 * Scale 10 takes about two minutes to seed: `--warehouse-url` reuses a warehouse already seeded at that
 * scale (the seed is skipped when its version, seed and scale match).
 */

const DASHBOARD = "candidatures-recues-par-les-siae";
const PUBLIC_DASHBOARD = "etp-conventionnes-par-departement";
const VIEWERS = [
  { scope: "national", email: "agent.dgefp@demo.pilotage.test" },
  { scope: "regional", email: "agent.dreets-idf@demo.pilotage.test" },
  { scope: "département", email: "agent.ddets93@demo.pilotage.test" },
];
const CARD_FAILED = "n'ont pas pu être calculées";

interface PlanNode {
  "Node Type": string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** The scans of a plan, "Seq Scan candidatures" or "Bitmap Index Scan candidatures_departement_…_idx". */
function scans(node: PlanNode, into: string[] = []): string[] {
  if (/Scan/.test(node["Node Type"]) && (node["Relation Name"] || node["Index Name"])) {
    const target = node["Index Name"] ?? node["Relation Name"]!;
    const line = `${node["Node Type"]} ${target}`;
    if (!into.includes(line)) into.push(line);
  }
  for (const child of node.Plans ?? []) scans(child, into);
  return into;
}

async function explainCards(warehouse: Queryable, catalog: Catalog): Promise<void> {
  const profiles = await sampleProfiles(warehouse);
  const cutoff = cutoffDay((await readLoadMarker(warehouse))?.cutoffDate);
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));
  const seenKinds = new Set<string>();
  console.log(
    "EXPLAIN (ANALYZE, BUFFERS) of every card under each kind of profile, after one run to warm the cache:\n" +
      "execution time, 8 KiB pages read (steadier than time on a shared machine), scans used",
  );
  for (const profile of profiles) {
    if (seenKinds.has(profile.kind)) continue;
    seenKinds.add(profile.kind);
    const done = new Set<string>();
    for (const dashboard of catalog.dashboards) {
      const access = dashboardAccess(profile, dashboard);
      if (!access.allowed || dashboard.public) continue;
      const anchored = cutoff ? anchorDashboard(dashboard, cutoff) : dashboard;
      for (const card of dashboard.cards) {
        if (done.has(card.question)) continue;
        done.add(card.question);
        const question = questions.get(card.question)!;
        const rendered = renderQuestion(
          question,
          dashboardCardParameters(anchored, card, question, access.locks),
        );
        await warehouse.query(rendered.sql, rendered.values);
        const { rows } = await warehouse.query<{
          "QUERY PLAN": Array<{ Plan: PlanNode; "Execution Time": number }>;
        }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${rendered.sql}`, rendered.values);
        const plan = rows[0]!["QUERY PLAN"][0]!;
        const pages = (plan.Plan["Shared Hit Blocks"] ?? 0) + (plan.Plan["Shared Read Blocks"] ?? 0);
        console.log(
          `  ${profile.label.slice(0, 30).padEnd(30)} ${question.key.padEnd(42)} ${plan["Execution Time"].toFixed(1).padStart(7)} ms ${String(pages).padStart(7)} pages  ${scans(plan.Plan).join(", ")}`,
        );
      }
    }
  }
  console.log("");
}

async function viewMs(get: () => Promise<Response>): Promise<{ ms: number; html: string }> {
  const started = performance.now();
  const response = await get();
  const html = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`the page answered ${response.status}`);
  if (html.includes(CARD_FAILED)) throw new Error("a card of the page failed: see the gateway's log");
  return { ms, html };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: "string", default: "10" },
      views: { type: "string", default: "5" },
      seconds: { type: "string", default: "5" },
      concurrency: { type: "string", default: "8" },
      "warehouse-url": { type: "string" },
      "no-explain": { type: "boolean", default: false },
    },
  });
  const scale = Number(values.scale);
  const views = Number(values.views);
  const seconds = values.seconds;
  const concurrency = values.concurrency;

  const stores = await openBenchStores("pages", { scale, warehouseUrl: values["warehouse-url"] });
  const { db, warehouse, redis } = stores;
  await ensureDemoGrants(db);
  const catalog = await loadCatalog(PROJECT_ROOT);
  const metrics = createMetrics({ defaultMetrics: false });
  // The cache as production runs it: Redis, on the next logical database of the sessions' one.
  const cacheStore = openCacheStore(loadConfig({ REDIS_URL: requiredEnv("TEST_REDIS_URL", "pages") }));
  await cacheStore.ready();
  await cacheStore.store.purge();
  const resultCache = createResultCache({
    store: cacheStore.store,
    loadMarker: createLoadMarkerReader({ warehouse }),
    ttlSeconds: 3600,
    metrics,
  });
  const gateway = await startBenchGateway(
    { db, warehouse, redis },
    { PUBLIC_RATE_LIMIT_PER_MINUTE: "100000000" },
    { metrics, resultCache },
  );
  const bareApp = express();
  let publicHtml = "";
  bareApp.get("/page", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=60");
    res.type("html").send(publicHtml);
  });
  const bare = timed(bareApp);
  const bareServer = await startServer(bare.handler, 0, "127.0.0.1");

  try {
    const { rows } = await warehouse.query<{ n: string }>("SELECT count(*) AS n FROM entrepot.candidatures");
    console.log(
      `pages bench — Node ${process.version}, warehouse at scale ${scale} (${Number(rows[0]!.n).toLocaleString("en")} candidatures), ` +
        "no Metabase (the gateway runs every card), sessions and result cache in Redis\n",
    );
    if (!values["no-explain"]) await explainCards(warehouse, catalog);

    console.log(
      `Dashboard « ${DASHBOARD} », first view then ${views} more (client time, median of the next ones):`,
    );
    for (const { scope, email } of VIEWERS) {
      const browser = await loginAs(gateway.server.url, email);
      const url = `${gateway.server.url}/tableaux-de-bord/${DASHBOARD}`;
      const first = await viewMs(() => browser.get(url));
      const next: number[] = [];
      for (let i = 0; i < views; i++) next.push((await viewMs(() => browser.get(url))).ms);
      const cached = median(next);
      console.log(
        `  ${scope.padEnd(12)} first ${first.ms.toFixed(0).padStart(5)} ms   next ${cached.toFixed(1).padStart(6)} ms ` +
          `(min ${Math.min(...next).toFixed(1)}, max ${Math.max(...next).toFixed(1)})   cached / first ${((100 * cached) / first.ms).toFixed(1)} %` +
          `${scope === "national" ? " (target ≤ 10 %)" : ""}   ${(first.html.length / 1024).toFixed(0)} KiB`,
      );
    }

    const publicUrl = `${gateway.server.url}/public/${PUBLIC_DASHBOARD}`;
    const first = await viewMs(() => fetch(publicUrl));
    const second = await viewMs(() => fetch(publicUrl));
    publicHtml = second.html;
    console.log(
      `\nPublic page « ${PUBLIC_DASHBOARD} », anonymous: first ${first.ms.toFixed(0)} ms, next ${second.ms.toFixed(1)} ms; ${concurrency} clients, ${seconds} s each`,
    );
    const cases = [
      { name: "bare Express handler", url: `${bareServer.url}/page`, timing: bare },
      { name: "public page", url: publicUrl, timing: gateway.app },
    ];
    const results = [];
    for (const { name, url, timing } of cases) {
      await loadClient("get", url, "-", concurrency, String(Math.min(1, Number(seconds))));
      timing.reset();
      const result = await loadClient("get", url, "-", concurrency, seconds);
      results.push(result);
      console.log(formatRow(name, result, timing.meanMs()));
    }
    const [b, p] = results as [(typeof results)[0], (typeof results)[0]];
    console.log(`  → public page / bare: ${(p.perSecond / b.perSecond).toFixed(2)} (target ≥ 0.3)`);

    const lookups = await metrics.cacheLookups.get();
    const counted = lookups.values
      .filter((v) => v.value > 0)
      .map((v) => `${v.labels.cache} ${v.labels.outcome} ${v.value}`)
      .join(", ");
    console.log(`\ncache lookups during the run: ${counted || "none"}`);
  } finally {
    await Promise.all([gateway.server.stop(1000), bareServer.stop(1000)]);
    await cacheStore.close();
    await stores.close();
  }
}
