/**
 * Every HTTP answer the soak received: when it was asked (ms since the soak began), the route's template,
 * its status (0 when no answer came: a connection reset) and how long the answer took, body included.
 * Pure aggregation below: statuses, percentiles per route, and the 5xx outside the fault windows.
 */
export interface Sample {
  /** Milliseconds since the soak started, when the request left. */
  at: number;
  route: string;
  status: number;
  ms: number;
}

/** A fault, from its injection to its recovery (the stack's healthcheck passing again). */
export interface FaultWindow {
  fault: string;
  injectedAt: number;
  recoveredAt: number;
}

/** How long after a fault's recovery its errors are still forgiven (issue 21). */
export const GRACE_AFTER_RECOVERY_MS = 10_000;

export class Recorder {
  readonly samples: Sample[] = [];
  private readonly started = performance.now();

  now(): number {
    return Math.round(performance.now() - this.started);
  }

  add(route: string, status: number, at: number): void {
    this.samples.push({ at, route, status, ms: this.now() - at });
  }
}

export interface RouteFigures {
  route: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

export function byStatus(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of [...samples].sort((a, b) => a.status - b.status)) {
    const key = s.status === 0 ? "no answer" : String(s.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Latencies of the answers that succeeded (2xx, 3xx), per route, slowest p99 first. */
export function perRoute(samples: readonly Sample[]): RouteFigures[] {
  const groups = new Map<string, number[]>();
  for (const s of samples) {
    if (s.status < 200 || s.status >= 400) continue;
    const list = groups.get(s.route) ?? [];
    list.push(s.ms);
    groups.set(s.route, list);
  }
  return [...groups]
    .map(([route, list]) => {
      const sorted = list.sort((a, b) => a - b);
      return {
        route,
        count: sorted.length,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted.at(-1) ?? 0,
      };
    })
    .sort((a, b) => a.route.localeCompare(b.route));
}

/** Answers other than 2xx and 3xx, per route and status (a 429 says a limit was reached, a 401 a session lost). */
export function failuresByRoute(samples: readonly Sample[]): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  for (const s of [...samples].sort((a, b) => a.route.localeCompare(b.route) || a.status - b.status)) {
    if (s.status >= 200 && s.status < 400) continue;
    const byStatus = (result[s.route] ??= {});
    const key = s.status === 0 ? "no answer" : String(s.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return result;
}

/** A failed answer overlapping a window (its request left before the window closed, ended after it opened). */
export function insideWindow(sample: Sample, windows: readonly FaultWindow[]): string | undefined {
  return windows.find(
    (w) => sample.at <= w.recoveredAt + GRACE_AFTER_RECOVERY_MS && sample.at + sample.ms >= w.injectedAt,
  )?.fault;
}

/** 5xx and answers that never came (status 0), split by whether a fault window explains them. */
export function unexpectedFailures(
  samples: readonly Sample[],
  windows: readonly FaultWindow[],
): { outside: Sample[]; insideByFault: Record<string, number> } {
  const outside: Sample[] = [];
  const insideByFault: Record<string, number> = {};
  for (const s of samples) {
    if (s.status !== 0 && s.status < 500) continue;
    const fault = insideWindow(s, windows);
    if (fault === undefined) outside.push(s);
    else insideByFault[fault] = (insideByFault[fault] ?? 0) + 1;
  }
  return { outside, insideByFault };
}
