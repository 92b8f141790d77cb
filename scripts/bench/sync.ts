import { applyPlan } from "../../src/metabase/apply.js";
import type { SyncDefinitions } from "../../src/metabase/definitions.js";
import type { RequestRecord } from "../../src/metabase/http.js";
import { openSyncSession } from "../../src/metabase/sync.js";
import { openDatabase } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { pilotageDimension } from "../../src/template/index.js";
import { startMetabaseProxy } from "../../test/metabase/metabase-proxy.js";
import { createMetabaseTestServer } from "../../test/support/metabase-server/index.js";
import { PINNED_VERSIONS } from "../../test/support/metabase-server/version.js";
import { createTestDatabase } from "../../test/support/services.js";

/**
 * `npm run bench -- sync [questions] [dashboards]`: HTTP requests and time of a first apply, a no-op plan
 * and a second (no-op) apply against the Metabase test server, for a generated catalogue (default 300
 * questions, 30 dashboards of 10 cards with a locked territory) and, as the baseline in the same run, a
 * catalogue ten times smaller: a no-op plan must cost the same number of requests at both sizes.
 */
function generate(questions: number, dashboards: number): SyncDefinitions {
  const perDashboard = Math.max(1, Math.floor(questions / dashboards));
  return {
    collections: [
      { key: "pilotage", name: "Pilotage de l'inclusion" },
      { key: "bench", name: "Banc d'essai", parent: "pilotage" },
    ],
    questions: Array.from({ length: questions }, (_, i) => ({
      key: `bench/q${i}`,
      name: `Question ${i}`,
      description: `Question générée n° ${i}.`,
      collection: "bench",
      display: i % 2 ? "bar" : "table",
      visualizationSettings: { "graph.dimensions": ["mois"] },
      sql: `SELECT date_trunc('month', d)::date AS mois, sum(v) + ${i} AS total\nFROM entrepot.faits\nWHERE {{departement}}\n  [[AND {{periode}}]]\nGROUP BY 1`,
      templateTags: {
        departement: {
          name: "departement",
          "display-name": "Département",
          type: "dimension",
          required: true,
          dimension: pilotageDimension("entrepot.faits.departement"),
          "widget-type": "string/=",
        },
        periode: {
          name: "periode",
          "display-name": "Période",
          type: "dimension",
          required: false,
          dimension: pilotageDimension("entrepot.faits.d"),
          "widget-type": "date/all-options",
        },
      },
      contentVersion: `q${i}-v1`,
    })),
    dashboards: Array.from({ length: dashboards }, (_, d) => ({
      key: `bench/d${d}`,
      title: `Tableau de bord ${d}`,
      collection: "bench",
      parameters: [
        { slug: "departement", label: "Département", type: "string/=", locked: "departements" },
        { slug: "periode", label: "Période", type: "date/all-options" },
      ],
      cards: Array.from({ length: perDashboard }, (_, c) => ({
        question: `bench/q${(d * perDashboard + c) % questions}`,
        row: Math.floor(c / 2) * 6,
        col: (c % 2) * 12,
        sizeX: 12,
        sizeY: 6,
        mappings: { departement: "departement", periode: "periode" },
      })),
      contentVersion: `d${d}-v1`,
    })),
  };
}

interface Measure {
  ms: number;
  requests: RequestRecord[];
}

function describe(requests: RequestRecord[]): string {
  const by = new Map<string, number>();
  for (const r of requests) {
    const shape = `${r.method} ${r.path.replace(/\/\d+/g, "/:id").replace(/\?.*$/, "")}`;
    by.set(shape, (by.get(shape) ?? 0) + 1);
  }
  return [...by].map(([shape, n]) => `${n}× ${shape}`).join(", ");
}

async function measureScale(version: string, questions: number, dashboards: number) {
  const warehouseDb = await createTestDatabase("bench_sync_wh");
  const gatewayDb = await createTestDatabase("bench_sync_gw");
  const warehouse = await openDatabase({
    name: "warehouse",
    url: warehouseDb.url,
    pgliteDataDir: "memory://",
  });
  const db = await openDatabase({ name: "gateway", url: gatewayDb.url, pgliteDataDir: "memory://" });
  await warehouse.exec(
    "CREATE SCHEMA entrepot; CREATE TABLE entrepot.faits (departement text, d date, v integer)",
  );
  await migrate(db);
  const server = await createMetabaseTestServer({
    version,
    warehouse,
    warehouseName: "Entrepôt Pilotage",
    warehouseScope: { schemas: ["entrepot"] },
  });
  const proxy = await startMetabaseProxy(server);
  const definitions = generate(questions, dashboards);
  const connect = {
    siteUrl: proxy.url,
    credentials: { apiKey: server.adminApiKey },
    warehouseDatabase: "Entrepôt Pilotage",
  };
  const step = async (write: boolean): Promise<Measure & { changes: boolean }> => {
    const start = performance.now();
    const session = await openSyncSession({ connect, definitions, db });
    if (write) {
      const result = await applyPlan({ ...session, db, progress: () => {} });
      if (result.breaches.length > 0)
        throw new Error(`lock contract broken: ${JSON.stringify(result.breaches[0])}`);
    }
    return {
      ms: performance.now() - start,
      requests: session.client.http.log,
      changes: session.plan.hasChanges,
    };
  };
  try {
    const firstApply = await step(true);
    const noopPlan = await step(false);
    const secondApply = await step(true);
    if (noopPlan.changes || secondApply.changes)
      throw new Error("the catalogue did not converge after one apply");
    return { firstApply, noopPlan, secondApply };
  } finally {
    await proxy.close();
    await server.close();
    await db.close();
    await warehouse.close();
    await gatewayDb.drop();
    await warehouseDb.drop();
  }
}

export async function run(args: string[]): Promise<void> {
  const questions = Number(args[0] ?? 300);
  const dashboards = Number(args[1] ?? 30);
  const small = {
    questions: Math.max(1, Math.round(questions / 10)),
    dashboards: Math.max(1, Math.round(dashboards / 10)),
  };
  for (const version of PINNED_VERSIONS) {
    const baseline = await measureScale(version, small.questions, small.dashboards);
    const full = await measureScale(version, questions, dashboards);
    console.log(`\nMetabase test server ${version}`);
    for (const [label, scale, m] of [
      [`${small.questions} q / ${small.dashboards} tdb`, small, baseline],
      [`${questions} q / ${dashboards} tdb`, { questions, dashboards }, full],
    ] as const) {
      void scale;
      console.log(`  ${label}`);
      for (const [what, measure] of [
        ["premier apply  ", m.firstApply],
        ["plan sans effet", m.noopPlan],
        ["second apply   ", m.secondApply],
      ] as const) {
        console.log(
          `    ${what} ${String(measure.requests.length).padStart(5)} requêtes ${measure.ms.toFixed(0).padStart(6)} ms   (${describe(measure.requests)})`,
        );
      }
    }
    console.log(
      `  plan sans effet : ${full.noopPlan.requests.length} requêtes pour ${questions + dashboards} objets contre ${baseline.noopPlan.requests.length} pour ${small.questions + small.dashboards} (rapport ${(full.noopPlan.requests.length / baseline.noopPlan.requests.length).toFixed(2)})`,
    );
  }
}
