/**
 * Benchmark dispatcher: `npm run bench -- <name> [options]`. Each benchmark measures its baseline in the
 * same run and reports ratios, never absolute targets alone. Add yours to BENCHMARKS.
 */
const BENCHMARKS: Record<string, { summary: string; run: (args: string[]) => Promise<void> }> = {
  export: {
    summary:
      "CSV (both dialects) and XLSX export of 1 million rows: HTTP and streamCsv vs psql \\copy, streamed XLSX vs from memory and vs exceljs, with peak memory",
    run: async (args) => (await import("./export.js")).run(args),
  },
  seed: {
    summary:
      "pilotage seed into Postgres at scales 1 and 10: seconds and rows/s, generation alone as baseline",
    run: async (args) => (await import("./seed.js")).run(args),
  },
  test: {
    summary:
      "pilotage test on the whole catalogue at scales 1 and 10, vs every card run once under the national lock",
    run: async (args) => (await import("./catalog-test.js")).run(args),
  },
  validate: {
    summary: "load + validate + render 300 questions and 30 dashboards (target under 1 s)",
    run: async (args) => (await import("./validate.js")).run(args),
  },
  login: {
    summary: "logins/s through the whole ProConnect flow; cost of a session lookup vs a bare handler",
    run: async (args) => (await import("./login.js")).run(args),
  },
  embed: {
    summary:
      "GET /api/dashboards/:key/embed for a logged-in session (session, access, audit row, signature) vs a bare Express handler",
    run: async (args) => (await import("./embed.js")).run(args),
  },
  sync: {
    summary:
      "pilotage apply / plan against the Metabase test server: requests and time for 300 questions and 30 dashboards, baseline 30/3",
    run: async (args) => (await import("./sync.js")).run(args),
  },
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHMARKS[name] : undefined;
if (!bench) {
  console.error(
    `Usage: npm run bench -- <name>\n\n${Object.entries(BENCHMARKS)
      .map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}`)
      .join("\n")}`,
  );
  process.exit(2);
}
await bench.run(args);
