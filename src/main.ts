import path from "node:path";
import { createApp } from "./app.js";
import { openCacheStore } from "./cache/open-cache-store.js";
import { createResultCache } from "./cache/result-cache.js";
import { proconnectRedirectUris } from "./auth/routes.js";
import { loadConfig } from "./config.js";
import { loadValidCatalog } from "./catalog/index.js";
import { createPageViewCounter } from "./audit/page-views.js";
import { LEGAL_CONTENT_FILE, loadLegalContent, missingLegalFacts } from "./legal/legal-content.js";
import { createLogger } from "./logging.js";
import { createMetrics } from "./metrics/metrics.js";
import { metricsHandler } from "./metrics/metrics-listener.js";
import { loadPlacementRules } from "./perimeter/placement-rules.js";
import { PROJECT_ROOT } from "./project-root.js";
import { configOrExit, reservePortOrExit, runMain, stopOnSignals } from "./process-start.js";
import { startServer } from "./server.js";
import { withDeadline } from "./deadline.js";
import { openDatabase } from "./storage/database.js";
import { migrate } from "./storage/migrations.js";
import { databaseLimits } from "./storage/postgres-limits.js";
import { openRedis, waitForRedis } from "./storage/redis.js";
import { createLoadMarkerReader } from "./warehouse/load-marker.js";
import { ensureDemoWarehouse } from "./warehouse/seed.js";

const MIGRATION_DEADLINE_MS = 15 * 60 * 1000;

async function main(): Promise<void> {
  const config = configOrExit(() => loadConfig());
  const logger = createLogger(config.log.level);
  const embedded = [
    !config.redis.url && "Redis en mémoire",
    !config.database.url && `base de la passerelle PGlite (${path.join(config.dataDir, "gateway")})`,
    !config.warehouse.url && `entrepôt PGlite (${path.join(config.dataDir, "warehouse")})`,
    !config.proconnect.issuer && "fournisseur d'identité de démonstration",
    config.session.generatedSecret && "clé de session tirée au démarrage",
    config.proconnect.demoAccounts && `comptes de démonstration acceptés (${config.proconnect.issuer})`,
  ].filter(Boolean);
  if (embedded.length > 0)
    logger.warn({ embedded }, "valeurs embarquées de démonstration (jamais en production)");

  const port = await reservePortOrExit(
    config.http.port,
    (free) => `PORT=${free} PUBLIC_URL=http://localhost:${free} npm run demo`,
  );

  // Without PROCONNECT_ISSUER (never in production), the demo provider answers in this process. It is
  // imported only then (production never loads oidc-provider, a development dependency), and before the
  // demo's long start-up, so that an install without it says so at once.
  const demoProvider = config.proconnect.issuer ? undefined : await importDemoProvider();

  const redis = config.redis.url ? openRedis(config.redis.url) : undefined;
  if (redis) await waitForRedis(redis);
  // Every query of a request shares its deadline; outside requests, each is bounded by as much (issue 21).
  const limits = databaseLimits(config.limits.requestDeadlineMs);
  const db = await openDatabase({
    name: "gateway",
    url: config.database.url,
    pgliteDataDir: path.join(config.dataDir, "gateway"),
    limits,
  });
  // Migrations may take minutes (an index on a large table), or wait for another process's.
  const migrations = await withDeadline(MIGRATION_DEADLINE_MS, () => migrate(db));
  logger.info(migrations, "gateway database migrated");
  const warehouse = await openDatabase({
    name: "warehouse",
    url: config.warehouse.url,
    pgliteDataDir: path.join(config.dataDir, "warehouse"),
    limits,
    // Exports stream from a pool of their own: however many run, pages keep theirs.
    streamPoolSize: config.export.concurrency,
  });
  if (!config.warehouse.url) {
    // The demo's warehouse is seeded once (about ten seconds), then reused while its seed version holds.
    const demo = await ensureDemoWarehouse(warehouse);
    logger.info(
      demo.report ?? { reused: true },
      demo.reused ? "demo warehouse reused" : "demo warehouse seeded",
    );
  }

  const catalog = await loadValidCatalog(PROJECT_ROOT);
  const placementRules = await loadPlacementRules(PROJECT_ROOT, {
    demo: !config.proconnect.issuer || config.proconnect.demoAccounts,
  });
  logger.info(
    {
      questions: catalog.questions.length,
      dashboards: catalog.dashboards.length,
      notes: catalog.notes.length,
    },
    "catalogue loaded",
  );
  const legalContent = loadLegalContent(PROJECT_ROOT);
  const missingLegal = missingLegalFacts(legalContent);
  if (missingLegal.length > 0) {
    // Not a start-up error: these facts are the publisher's to give, and the pages say they are missing.
    logger.warn(
      { missing: missingLegal },
      `${LEGAL_CONTENT_FILE}: legal facts still to be given by the publisher`,
    );
  }

  const demoIdp = demoProvider?.inProcessDemoProvider(config, proconnectRedirectUris(config.http.publicUrl));
  if (demoIdp) {
    logger.info({ issuer: demoIdp.provider.issuer }, "demo identity provider mounted");
    const { ensureDemoGrants } = await import("./demo/grants.js");
    await ensureDemoGrants(db);
  }
  const loadMarker = createLoadMarkerReader({ warehouse });
  const pageViews = createPageViewCounter({
    db,
    onError: (error) => logger.warn({ err: error }, "page views not recorded (kept for the next flush)"),
  });
  const metrics = createMetrics();
  const cacheStore = openCacheStore(config);
  let cacheWarnedAt = 0;
  const resultCache = createResultCache({
    store: cacheStore.store,
    loadMarker,
    ttlSeconds: config.cache.ttlSeconds,
    metrics,
    // Pages go on without the cache; say so once a minute at most, not once per card.
    onStoreError: (error) => {
      if (Date.now() - cacheWarnedAt < 60_000) return;
      cacheWarnedAt = Date.now();
      logger.warn({ err: error }, "result cache unavailable: pages computed without it");
    },
  });
  // Without its Redis the gateway still serves (every page computed): the cache must never stop it.
  await cacheStore
    .ready()
    .then(() => logger.info({ store: cacheStore.store.kind }, "result cache ready"))
    .catch((error: unknown) => logger.warn({ err: error }, "result cache unreachable at start-up"));
  const app = createApp({
    config: demoIdp?.config ?? config,
    logger,
    db,
    warehouse,
    redis,
    catalog,
    placementRules,
    loadMarker,
    legalContent,
    pageViews,
    metrics,
    resultCache,
    ...(demoIdp ? { demoIdentityProvider: demoIdp.mount } : {}),
  });
  const running = port.serve(app);
  logger.info({ url: running.url }, "gateway listening");
  // Prometheus reads /metrics on a listener of its own, bound to an internal address: never the public port.
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : await startServer(metricsHandler(metrics), config.metrics.port, config.metrics.host);
  if (metricsServer) logger.info({ url: `${metricsServer.url}/metrics` }, "metrics listening");
  console.log(`\nPilotage de l'inclusion : ${config.http.publicUrl}\n`);

  stopOnSignals(async (signal) => {
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    await Promise.all([running.stop(), metricsServer?.stop(1_000)]);
    await pageViews
      .stop()
      .catch((error: unknown) => logger.warn({ err: error }, "page views lost at shutdown"));
    await Promise.allSettled([db.close(), warehouse.close(), redis?.quit(), cacheStore.close()]);
    logger.info("stopped");
  });
}

/** The demo's in-process provider, or a French error when the install has no development dependencies. */
async function importDemoProvider() {
  try {
    return await import("./demo-idp/in-process.js");
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    console.error(
      "Sans PROCONNECT_ISSUER, la passerelle monte le fournisseur d'identité de démonstration, qui n'est pas installé ici " +
        "(installation sans dépendances de développement) : donnez PROCONNECT_ISSUER et son client, ou installez avec `npm ci`.",
    );
    process.exit(78);
  }
}

runMain(main);
