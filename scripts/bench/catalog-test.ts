import { parseArgs } from "node:util";
import { dashboardCardParameters, readCatalog, renderQuestion } from "../../src/catalog/index.js";
import { dashboardAccess } from "../../src/perimeter/dashboard-access.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { openDatabase } from "../../src/storage/database.js";
import { testCatalog } from "../../src/warehouse/catalog-test.js";
import { loadExpectations } from "../../src/warehouse/expectations.js";
import { sampleProfiles } from "../../src/warehouse/sample-profiles.js";
import { seedWarehouse } from "../../src/warehouse/seed.js";
import { createTestDatabase } from "../../test/support/services.js";

/**
 * `npm run bench -- test [--scales 1,10]`: `pilotage test` on the whole catalogue, on a warehouse seeded
 * at each scale. Baseline in the same run: every card executed once, plainly, under the national lock —
 * what the dashboards cost without the profiles, the filtered copies and the expectations.
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { scales: { type: "string", default: "1,10" } } });
  const { catalog, problems } = await readCatalog(PROJECT_ROOT);
  if (problems.length > 0) throw new Error("the catalogue does not load: run pilotage validate");
  const expectations = loadExpectations(PROJECT_ROOT);
  for (const scale of values.scales.split(",").map(Number)) {
    const target = await createTestDatabase("bench_test");
    const db = await openDatabase({ name: "bench", url: target.url, pgliteDataDir: "memory://" });
    try {
      await seedWarehouse(db, { scale });
      const profiles = await sampleProfiles(db);
      const national = profiles.find((p) => p.kind === "dgefp")!;

      let baselineMs = 0;
      let cards = 0;
      for (const dashboard of catalog.dashboards) {
        const access = dashboardAccess(national, dashboard);
        const locks = access.allowed ? access.locks : null;
        if (!locks) continue;
        for (const card of dashboard.cards) {
          const question = catalog.questions.find((q) => q.key === card.question)!;
          const rendered = renderQuestion(
            question,
            dashboardCardParameters(dashboard, card, question, locks),
          );
          const started = performance.now();
          await db.query(rendered.sql, rendered.values);
          baselineMs += performance.now() - started;
          cards++;
        }
      }

      const report = await testCatalog({ db, catalog, profiles, expectations });
      const c = report.counts;
      console.log(
        `scale ${scale}: pilotage test ${(report.durationMs / 1000).toFixed(1)} s for ${c.questions} questions, ` +
          `${c.dashboards} dashboards, ${c.profiles} profiles (${c.runs} runs, ${c.leakChecks} leak checks, ` +
          `${c.expectations} expectations; ${report.ok ? "all green" : `${report.failures.length} failures`}); ` +
          `baseline: ${cards} cards once under the national lock ${(baselineMs / 1000).toFixed(2)} s ` +
          `(ratio ${(report.durationMs / baselineMs).toFixed(1)}×); slowest query ${report.slowest[0]?.ms ?? 0} ms`,
      );
    } finally {
      await db.close();
      await target.drop();
    }
  }
}
