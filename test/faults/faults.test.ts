import assert from "node:assert/strict";
import { startFaultEnvironment, timingTable, type FaultEnvironment } from "./environment.js";
import { cancellationAndIsolationCases } from "./cancellation-and-isolation.js";
import { databaseCases } from "./database-cases.js";
import { redisCases } from "./redis-cases.js";
import { upstreamCases } from "./upstream-cases.js";

/**
 * Issue 21: no request hangs on a frozen dependency, nothing is lost. On services of its own
 * (environment.ts), each case injects one fault while a logged-in agent and an anonymous visitor use the
 * gateway, and checks: an answer within the documented limit, the right status and French message,
 * never a 500, recovery without restarting the gateway. At the end, every embed URL and export the
 * clients received has its audit row (matched by request id); rows whose answer never arrived are
 * counted (lost acknowledgements) and allowed. The measured answer times are printed as a table.
 */
describe("faults: frozen, restarted and unreachable dependencies (issue 21)", function () {
  this.timeout(120_000);
  let environment: FaultEnvironment | undefined;
  const env = (): FaultEnvironment => {
    if (!environment) throw new Error("the fault environment did not start");
    return environment;
  };

  before(async () => {
    environment = await startFaultEnvironment();
  });

  after(async () => {
    if (!environment) return;
    try {
      console.log(`\n${timingTable(environment.timings)}\n`);
    } finally {
      await environment.close();
    }
  });

  databaseCases(env);
  redisCases(env);
  upstreamCases(env);
  cancellationAndIsolationCases(env);

  // Last: mocha runs a suite's own tests before its nested suites.
  describe("the audit log, after every fault", () => {
    it("delivered no embed URL and no export without its audit row (lost acknowledgements counted)", async () => {
      const report = await env().ledger.report(env().gatewayAdmin);
      console.log(
        `\naudit ledger: ${report.delivered} tokens and exports delivered, ${report.missing.length} without their row, ${report.undelivered} rows without a delivery (lost acknowledgements)`,
      );
      assert.deepEqual(report.missing, []);
      assert.ok(report.delivered >= 10, `only ${report.delivered} deliveries checked`);
    });
  });
});
