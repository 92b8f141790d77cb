import assert from "node:assert/strict";
import {
  byStatus,
  percentile,
  perRoute,
  unexpectedFailures,
  type FaultWindow,
  type Sample,
} from "../../scripts/soak/recorder.js";
import { memoryPerProcess } from "../../scripts/soak/rss.js";
import { routeOf } from "../../scripts/soak/traffic.js";
import { planFaults } from "../../scripts/soak/faults.js";

/** The soak's arithmetic (scripts/soak/): what counts as a failure outside a fault window, percentiles, memory. */
describe("soak figures", () => {
  const windows: FaultWindow[] = [{ fault: "Redis restarted", injectedAt: 10_000, recoveredAt: 12_000 }];
  const sample = (at: number, status: number, ms = 10, route = "GET /"): Sample => ({
    at,
    status,
    ms,
    route,
  });

  it("forgives a 5xx or a missing answer from the injection to 10 s after the recovery, and nothing else", () => {
    const samples = [
      sample(9_700, 503, 500), // left before the injection, answered inside: overlapping
      sample(8_000, 502, 500), // over before the injection
      sample(11_000, 0),
      sample(21_999, 503),
      sample(22_001, 500),
      sample(30_000, 404),
      sample(30_000, 200),
    ];
    assert.deepEqual(unexpectedFailures(samples, windows), {
      outside: [sample(8_000, 502, 500), sample(22_001, 500)],
      insideByFault: { "Redis restarted": 3 },
    });
  });

  it("counts answers by status, a missing answer apart", () => {
    assert.deepEqual(byStatus([sample(0, 200), sample(0, 0), sample(0, 200), sample(0, 503)]), {
      "no answer": 1,
      "200": 2,
      "503": 1,
    });
  });

  it("gives p50 and p99 per route over the successful answers only", () => {
    const samples = [
      ...Array.from({ length: 100 }, (_, i) => sample(0, 200, i + 1, "GET /a")),
      sample(0, 503, 5_000, "GET /a"),
      sample(0, 303, 7, "GET /b"),
    ];
    assert.deepEqual(perRoute(samples), [
      { route: "GET /a", count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 },
      { route: "GET /b", count: 1, p50Ms: 7, p99Ms: 7, maxMs: 7 },
    ]);
    assert.equal(percentile([], 0.5), 0);
  });

  it("measures each process's growth from its own warm-up, a restarted one apart", () => {
    const rss = [
      { at: 0, replica: "gateway-1", pid: 10, rssMb: 90 },
      { at: 10_000, replica: "gateway-1", pid: 10, rssMb: 120 },
      { at: 40_000, replica: "gateway-1", pid: 10, rssMb: 125 },
      { at: 50_000, replica: "gateway-1", pid: 30, rssMb: 80 },
      { at: 60_000, replica: "gateway-1", pid: 30, rssMb: 110 },
      { at: 90_000, replica: "gateway-1", pid: 30, rssMb: 150.5 },
    ];
    assert.deepEqual(memoryPerProcess(rss, 10_000), [
      {
        replica: "gateway-1",
        pid: 10,
        warmAt: 10_000,
        warmRssMb: 120,
        endAt: 40_000,
        endRssMb: 125,
        growthMb: 5,
      },
      {
        replica: "gateway-1",
        pid: 30,
        warmAt: 60_000,
        warmRssMb: 110,
        endAt: 90_000,
        endRssMb: 150.5,
        growthMb: 40.5,
      },
    ]);
  });

  it("names routes by their template, the provider's ids hidden", () => {
    const gateway = "https://localhost:8443";
    assert.deepEqual(
      [
        `${gateway}/tableaux-de-bord`,
        `${gateway}/tableaux-de-bord/pass-iae`,
        `${gateway}/api/questions/iae%2Fcandidatures-par-etat/data?format=csv`,
        `${gateway}/public/structures-par-type-et-departement`,
        "https://localhost:8445/api/v2/interaction/Xk2bT0eWq_1aZ9fPq3/login",
      ].map((url) => routeOf("GET", new URL(url), gateway)),
      [
        "GET /tableaux-de-bord",
        "GET /tableaux-de-bord/:key",
        "GET /api/questions/:key/data",
        "GET /public/:key",
        "GET provider /api/v2/interaction/:id/login",
      ],
    );
  });

  it("spreads the faults after the warm-up, the gateway killed last", () => {
    assert.deepEqual(planFaults(600_000, 60_000), {
      redisAt: 114_000,
      postgresAt: 249_000,
      killGatewayAt: 384_000,
      gatewayDownMs: 20_000,
    });
  });
});
