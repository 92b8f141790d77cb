import fs from "node:fs";
import tls from "node:tls";
import { openDatabase } from "../../src/storage/database.js";
import { DeliveryLedger } from "../../test/support/audit-ledger.js";
import type { Stack } from "../stack/stack.js";
import { injectFaults, planFaults, type FaultOutcome } from "./faults.js";
import { Recorder } from "./recorder.js";
import { groupRssMb, type RssSample } from "./rss.js";
import { startTraffic, type TrafficCounts } from "./traffic.js";
import type { LedgerReport } from "../../test/support/audit-ledger.js";
import type { FaultWindow, Sample } from "./recorder.js";

/**
 * One soak on a running stack (issue 21): the visitors' traffic through Caddy for `minutes`, the faults
 * injected on schedule after a warm-up, the gateways' memory sampled, and at the end the audit ledger
 * matched against the gateway database. Returns the raw material of the report (report.ts).
 */
export interface SoakRun {
  minutes: number;
  durationMs: number;
  warmUpMs: number;
  samples: Sample[];
  windows: FaultWindow[];
  faults: FaultOutcome;
  rss: RssSample[];
  ledger: LedgerReport;
  counts: TrafficCounts;
  /** Services found dead that the soak did not kill (a crash), when first noticed. */
  exits: { service: string; noticedAt: number }[];
}

const RSS_EVERY_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Warm-up: a tenth of the run, between 10 s and a minute. */
export function warmUpOf(durationMs: number): number {
  return Math.min(60_000, Math.max(10_000, Math.round(durationMs / 10)));
}

export async function runSoak(options: {
  stack: Stack;
  minutes: number;
  progress?: (line: string) => void;
}): Promise<SoakRun> {
  const { stack, minutes } = options;
  const progress = options.progress ?? (() => {});
  const durationMs = Math.round(minutes * 60_000);
  const warmUpMs = warmUpOf(durationMs);
  // This process trusts Caddy's CA as the gateways do (NODE_EXTRA_CA_CERTS), for its own requests only.
  const trustBefore = tls.getCACertificates("default");
  tls.setDefaultCACertificates([...trustBefore, fs.readFileSync(stack.caCertFile, "utf8")]);
  const auditDb = await openDatabase({
    name: "soak-ledger",
    dependency: "gateway_database",
    url: stack.environment("gateway-1").DATABASE_URL,
    pgliteDataDir: "memory://",
  });
  try {
    const ledger = new DeliveryLedger();
    await ledger.start(auditDb);
    const recorder = new Recorder();
    const rss: RssSample[] = [];
    const exits: SoakRun["exits"] = [];
    const injecting = { now: false };
    const sampleRss = () => {
      const at = recorder.now();
      for (const p of stack.processes()) {
        // A service restarted by a fault is down for a moment, on purpose.
        if (!p.running && !injecting.now && !exits.some((e) => e.service === p.name)) {
          exits.push({ service: p.name, noticedAt: at });
          progress(`${p.name} is not running any more`);
        }
        if (!p.name.startsWith("gateway-")) continue;
        const rssMb = groupRssMb(p.pid);
        if (rssMb !== undefined) rss.push({ at, replica: p.name, pid: p.pid, rssMb });
      }
    };
    sampleRss();
    const sampler = setInterval(sampleRss, RSS_EVERY_MS);
    const traffic = startTraffic({ gateway: stack.urls.gateway, recorder, ledger });
    progress(`${traffic.visitors.length} visitors for ${minutes} min, warm-up ${warmUpMs / 1000} s`);
    let faults: FaultOutcome;
    try {
      faults = await injectFaults({
        stack,
        plan: planFaults(durationMs, warmUpMs),
        recorder,
        traffic,
        progress,
        injecting,
      });
      const left = durationMs - recorder.now();
      if (left > 0) await sleep(left);
    } finally {
      await traffic.stop();
      clearInterval(sampler);
    }
    sampleRss();
    progress(`${recorder.samples.length} answers; matching the audit log…`);
    return {
      minutes,
      durationMs: Math.max(durationMs, recorder.now()),
      warmUpMs,
      samples: recorder.samples,
      windows: faults.windows,
      faults,
      rss,
      ledger: await ledger.report(auditDb),
      counts: traffic.counts,
      exits,
    };
  } finally {
    await auditDb.close();
    tls.setDefaultCACertificates(trustBefore);
  }
}
