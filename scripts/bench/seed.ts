import { parseArgs } from "node:util";
import { openDatabase } from "../../src/storage/database.js";
import { generateWarehouse } from "../../src/warehouse/generate.js";
import { seedWarehouse } from "../../src/warehouse/seed.js";
import { createTestDatabase } from "../../test/support/services.js";

/**
 * `npm run bench -- seed [--scales 1,10] [--database-url URL] [--json]`: `pilotage seed` into a real
 * Postgres, seconds and rows/s per scale, with the generator alone (no database) as the baseline. By
 * default each scale gets a throw-away database on the Postgres that scripts/bench.sh starts
 * (TEST_PG_URL); --database-url seeds that database instead (its `entrepot` schema is replaced).
 */
export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scales: { type: "string", default: "1,10" },
      "database-url": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const scales = values.scales.split(",").map(Number);
  const results = [];
  for (const scale of scales) {
    let generated = 0;
    const generationStart = performance.now();
    for (const { rows } of generateWarehouse({ seed: "bench", scale })) for (const _ of rows()) generated++;
    const generationSeconds = (performance.now() - generationStart) / 1000;

    const given = values["database-url"];
    const target = given ? { url: given, drop: async () => {} } : await createTestDatabase("bench_seed");
    const db = await openDatabase({ name: "bench", url: target.url, pgliteDataDir: "memory://" });
    try {
      const report = await seedWarehouse(db, { seed: "bench", scale });
      const seconds = report.durationMs / 1000;
      const result = {
        scale,
        rows: report.totalRows,
        seedSeconds: Number(seconds.toFixed(2)),
        rowsPerSecond: Math.round(report.totalRows / seconds),
        generationOnlySeconds: Number(generationSeconds.toFixed(2)),
        generationOnlyRowsPerSecond: Math.round(generated / generationSeconds),
      };
      results.push(result);
      if (!values.json) {
        console.log(
          `scale ${scale}: ${report.totalRows.toLocaleString("en")} rows seeded in ${seconds.toFixed(1)} s ` +
            `(${result.rowsPerSecond.toLocaleString("en")} rows/s); generator alone ${result.generationOnlySeconds} s ` +
            `(${result.generationOnlyRowsPerSecond.toLocaleString("en")} rows/s)`,
        );
      }
    } finally {
      await db.close();
      await target.drop();
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
}
