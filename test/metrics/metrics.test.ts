import assert from "node:assert/strict";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { createEmbedService, type EmbedDashboard, type EmbedViewer } from "../../src/embed/embed-service.js";
import { markVerified, recordBinding } from "../../src/metabase/object-map.js";
import { metricsHandler } from "../../src/metrics/metrics-listener.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { startServer, type RunningServer } from "../../src/server.js";
import type { Database } from "../../src/storage/database.js";
import { openTestStack, type TestStack } from "../support/app.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";
import { testConfig, testServices } from "../support/services.js";

/** The value of one series in the exposition text, or undefined when it was never recorded. */
async function sample(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find(
    (v) =>
      Object.entries(labels).every(([k, value]) => v.labels[k] === value) &&
      Object.keys(v.labels).length >= Object.keys(labels).length,
  );
  return found?.value;
}

/** Label sets recorded for the request-duration histogram (its `_count` series). */
async function durationLabels(metrics: Metrics): Promise<string[]> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === "pilotage_http_request_duration_seconds",
  );
  return [
    ...new Set(
      (metric?.values ?? [])
        .filter((v) => (v as { metricName?: string }).metricName?.endsWith("_count"))
        .map((v) => `${v.labels.method} ${v.labels.route} ${v.labels.status}`),
    ),
  ].sort();
}

describe("metrics (GET /metrics on its own listener)", () => {
  describe("the listener", () => {
    let server: RunningServer;
    let metrics: Metrics;
    before(async () => {
      metrics = createMetrics();
      server = await startServer(metricsHandler(metrics), 0, "127.0.0.1");
    });
    after(() => server.stop());

    it("serves the registry in Prometheus' text format, default process metrics included, and nothing else", async () => {
      metrics.embedTokens.inc({ outcome: "issued" });
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const text = await res.text();
      assert.match(text, /^pilotage_embed_tokens_total\{outcome="issued"\} 1$/m);
      assert.match(text, /^# TYPE pilotage_http_request_duration_seconds histogram$/m);
      assert.match(text, /^pilotage_process_cpu_user_seconds_total /m);
      assert.equal((await fetch(`${server.url}/`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`, { method: "POST" })).status, 404);
    });
  });

  describe("the public app", () => {
    let stack: TestStack;
    let metrics: Metrics;
    before(async () => {
      metrics = createMetrics({ defaultMetrics: false });
      stack = await openTestStack({
        config: testConfig({
          REDIS_URL: testServices.redisUrl,
          DATABASE_URL: testServices.databaseUrl,
          WAREHOUSE_URL: testServices.warehouseUrl,
        }),
      });
      stack.deps.metrics = metrics;
    });
    after(() => stack.close());

    it("never serves /metrics, and times requests by route pattern, never by raw URL", async () => {
      const app = createApp(stack.deps);
      await request(app).get("/metrics").expect(404);
      const publicDashboard = stack.deps.catalog.dashboards.find((d) => d.public)!;
      await request(app).get(`/public/${publicDashboard.key}`).expect(200);
      await request(app).get(`/tableaux-de-bord/${publicDashboard.key}`).expect(303);
      await request(app).get("/public/nulle-part").expect(404);
      await request(app).get("/static/dsfr/dsfr.min.css").expect(200);
      await request(app).get("/api/questions").expect(200);
      const labels = await durationLabels(metrics);
      assert.deepEqual(labels, [
        "GET /api/questions 200",
        "GET /public/:key 200",
        "GET /public/:key 404",
        "GET /static/dsfr/* 200",
        "GET /tableaux-de-bord/:key 303",
        "GET unmatched 404",
      ]);
      assert.ok(!labels.some((l) => l.includes(publicDashboard.key)), "no dashboard key in a label");
    });

    it("counts exports by format and outcome", async () => {
      const app = createApp(stack.deps);
      const res = await request(app).get("/api/questions").expect(200);
      const open = (res.body as { questions: Array<{ key: string; public?: boolean }> }).questions[0]!;
      await request(app).get(`/api/questions/${open.key}/data?format=json`).expect(200);
      assert.equal(
        await sample(metrics, "pilotage_exports_total", { format: "json", outcome: "completed" }),
        1,
      );
    });
  });

  describe("embed tokens", () => {
    let fresh: MigratedGateway;
    let db: Database;
    const dashboard: EmbedDashboard = {
      key: "candidatures",
      public: false,
      audiences: ["ddets"],
      contentVersion: "v1",
      parameters: [{ slug: "departement", locked: "departements" }],
    };
    const viewer: EmbedViewer = {
      kind: "ddets",
      organisationRef: "institution:1",
      perimeter: { departements: ["93"] },
      preview: false,
    };
    before(async () => {
      fresh = await openMigratedGateway("metrics");
      ({ db } = fresh);
    });
    after(async () => {
      await db.close();
      await fresh.drop();
    });

    it("counts each token issued and each refusal by its reason", async () => {
      const metrics = createMetrics({ defaultMetrics: false });
      const service = createEmbedService({
        db,
        siteUrl: "https://stats.example.gouv.fr",
        secretKey: "ab".repeat(32),
        ttlSeconds: 600,
        metrics,
      });
      await assert.rejects(service.issue(dashboard, viewer));
      await assert.rejects(service.issue(dashboard, { ...viewer, kind: "employeur_siae" }));
      await recordBinding(db, {
        model: "dashboard",
        key: dashboard.key,
        metabaseId: 7,
        entityId: null,
        contentVersion: "v1",
        embeddingParams: { departement: "locked" },
      });
      await markVerified(db, dashboard.key, "v1");
      await service.issue(dashboard, viewer);
      await service.issue(dashboard, viewer);
      const unconfigured = createEmbedService({
        db,
        siteUrl: undefined,
        secretKey: undefined,
        ttlSeconds: 600,
        metrics,
      });
      await assert.rejects(unconfigured.issue(dashboard, viewer));
      const counts = Object.fromEntries(
        await Promise.all(
          ["issued", "not_verified", "refused", "not_configured", "failed"].map(async (outcome) => [
            outcome,
            await sample(metrics, "pilotage_embed_tokens_total", { outcome }),
          ]),
        ),
      );
      assert.deepEqual(counts, {
        issued: 2,
        not_verified: 1,
        refused: 1,
        not_configured: 1,
        failed: undefined,
      });
    });
  });
});
