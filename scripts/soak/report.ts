import fs from "node:fs";
import path from "node:path";
import { soakChart } from "./chart.js";
import {
  byStatus,
  failuresByRoute,
  insideWindow,
  perRoute,
  unexpectedFailures,
  type RouteFigures,
  type Sample,
} from "./recorder.js";
import { memoryPerProcess, type ProcessMemory } from "./rss.js";
import type { SessionSurvival } from "./faults.js";
import type { SoakRun } from "./run.js";

/** What issue 21 asks of a soak, and the figures behind each answer. */
export const RSS_GROWTH_LIMIT_MB = 30;
/** Shorter runs say nothing of memory (the heap is still growing to its working size): not judged. */
export const MEMORY_JUDGED_FROM_MINUTES = 5;

export interface SoakReport {
  command: string;
  finishedAt: string;
  minutes: number;
  durationMs: number;
  warmUpMs: number;
  requests: number;
  byStatus: Record<string, number>;
  failuresByRoute: Record<string, Record<string, number>>;
  faultWindows: { fault: string; injectedAt: number; recoveredAt: number; failuresInside: number }[];
  /** 5xx or no answer outside every window (injection to 10 s after recovery): must be none. */
  unexpectedFailures: { count: number; first: Sample[] };
  tokens: { delivered: number; withoutAuditRow: number; missing: string[]; rowsWithoutDelivery: number };
  sessions: {
    afterGatewayLoss: SessionSurvival | undefined;
    lostDuringRun: { at: number; email: string; route: string; fault: string | null }[];
    logins: number;
    loginFailures: number;
    logouts: number;
  };
  memory: { limitMb: number; processes: ProcessMemory[] };
  /** Services that died without the soak killing them. */
  unexpectedExits: { service: string; noticedAt: number }[];
  latency: RouteFigures[];
  checks: {
    no5xxOutsideFaultWindows: boolean;
    noProcessDied: boolean;
    everyTokenAudited: boolean;
    sessionsKeptWhenAGatewayDies: boolean;
    /** null: not judged, the run being shorter than MEMORY_JUDGED_FROM_MINUTES. */
    rssGrowthWithinLimit: boolean | null;
  };
}

export function buildReport(run: SoakRun, command: string): SoakReport {
  const failures = unexpectedFailures(run.samples, run.windows);
  const memory = memoryPerProcess(run.rss, run.warmUpMs);
  const sessions = run.faults.sessions;
  return {
    command,
    finishedAt: new Date().toISOString(),
    minutes: run.minutes,
    durationMs: run.durationMs,
    warmUpMs: run.warmUpMs,
    requests: run.samples.length,
    byStatus: byStatus(run.samples),
    failuresByRoute: failuresByRoute(run.samples),
    faultWindows: run.windows.map((w) => ({ ...w, failuresInside: failures.insideByFault[w.fault] ?? 0 })),
    unexpectedFailures: { count: failures.outside.length, first: failures.outside.slice(0, 20) },
    tokens: {
      delivered: run.ledger.delivered,
      withoutAuditRow: run.ledger.missing.length,
      missing: run.ledger.missing.slice(0, 20).map((d) => `${d.action} ${d.requestId} ${d.what}`),
      rowsWithoutDelivery: run.ledger.undelivered,
    },
    sessions: {
      afterGatewayLoss: sessions,
      lostDuringRun: run.counts.sessionsLost.map((lost) => ({
        ...lost,
        fault: insideWindow({ at: lost.at, ms: 0, route: lost.route, status: 0 }, run.windows) ?? null,
      })),
      logins: run.counts.logins,
      loginFailures: run.counts.loginFailures,
      logouts: run.counts.logouts,
    },
    memory: { limitMb: RSS_GROWTH_LIMIT_MB, processes: memory },
    unexpectedExits: run.exits,
    latency: perRoute(run.samples),
    checks: {
      no5xxOutsideFaultWindows: failures.outside.length === 0,
      noProcessDied: run.exits.length === 0,
      everyTokenAudited: run.ledger.missing.length === 0 && run.ledger.delivered > 0,
      sessionsKeptWhenAGatewayDies:
        sessions !== undefined && sessions.loggedIn > 0 && sessions.survived === sessions.loggedIn,
      rssGrowthWithinLimit:
        run.minutes < MEMORY_JUDGED_FROM_MINUTES
          ? null
          : memory.length > 0 && memory.every((m) => m.growthMb <= RSS_GROWTH_LIMIT_MB),
    },
  };
}

/** `soak-<N>min.json` and `.svg` in `dir`; returns their paths. */
export function writeReport(dir: string, run: SoakRun, report: SoakReport): { json: string; svg: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `soak-${String(run.minutes).replace(".", "_")}min`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(
    `${base}.svg`,
    soakChart({ durationMs: run.durationMs, samples: run.samples, windows: run.windows, rss: run.rss }),
  );
  return { json: `${base}.json`, svg: `${base}.svg` };
}

const yesNo = (ok: boolean | null) =>
  ok === null ? `not judged under ${MEMORY_JUDGED_FROM_MINUTES} min` : ok ? "ok" : "FAILED";

/** The report for people: a few lines, then the latency table. */
export function summary(report: SoakReport): string {
  const s = report.sessions.afterGatewayLoss;
  const lines = [
    `soak: ${report.minutes} min, ${report.requests} answers — ${Object.entries(report.byStatus)
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ")}`,
    ...Object.entries(report.failuresByRoute).map(
      ([route, statuses]) =>
        `  ${route}: ${Object.entries(statuses)
          .map(([status, n]) => `${status}: ${n}`)
          .join(", ")}`,
    ),
    ...report.faultWindows.map(
      (w) =>
        `  ${w.fault}: ${(w.injectedAt / 1000).toFixed(1)} s → ${(w.recoveredAt / 1000).toFixed(1)} s, ${w.failuresInside} failed answers inside its window`,
    ),
    `5xx outside the fault windows: ${report.unexpectedFailures.count} (${yesNo(report.checks.no5xxOutsideFaultWindows)})`,
    `services that died unasked: ${report.unexpectedExits.map((e) => e.service).join(", ") || "none"} (${yesNo(report.checks.noProcessDied)})`,
    `tokens and exports delivered: ${report.tokens.delivered}, without their audit row: ${report.tokens.withoutAuditRow} (${yesNo(report.checks.everyTokenAudited)}), rows without a delivery: ${report.tokens.rowsWithoutDelivery}`,
    `sessions when a gateway died: ${s ? `${s.survived}/${s.loggedIn} kept` : "not measured"} (${yesNo(report.checks.sessionsKeptWhenAGatewayDies)}); lost during the run: ${report.sessions.lostDuringRun.length}; logins ${report.sessions.logins}, failed ${report.sessions.loginFailures}`,
    ...report.memory.processes.map(
      (m) =>
        `  ${m.replica} (${m.pid}): RSS ${m.warmRssMb} MB at ${(m.warmAt / 1000).toFixed(0)} s → ${m.endRssMb} MB at ${(m.endAt / 1000).toFixed(0)} s (${m.growthMb >= 0 ? "+" : ""}${m.growthMb} MB)`,
    ),
    `RSS growth ≤ ${report.memory.limitMb} MB: ${yesNo(report.checks.rssGrowthWithinLimit)}`,
    "",
    "route                                          count    p50 ms    p99 ms",
    ...report.latency.map(
      (r) =>
        `${r.route.padEnd(45)} ${String(r.count).padStart(6)} ${String(r.p50Ms).padStart(9)} ${String(r.p99Ms).padStart(9)}`,
    ),
    "",
  ];
  return lines.join("\n");
}
