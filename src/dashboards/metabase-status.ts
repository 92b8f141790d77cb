/**
 * Whether the dashboard pages should embed Metabase right now. A page must not show a frame that will
 * stay blank: before embedding, the page asks Metabase's health endpoint, with a short timeout so that a
 * dead Metabase costs a page at most that long, and caches the answer briefly so that a busy gateway
 * asks once per few seconds, not once per page. Concurrent pages share one probe in flight.
 */
export interface MetabaseStatus {
  available(): Promise<boolean>;
}

export interface MetabaseStatusOptions {
  probe: () => Promise<boolean>;
  /** How long an "up" answer is believed. */
  upTtlMs?: number;
  /** How long a "down" answer is believed (shorter: a recovered Metabase shows again quickly). */
  downTtlMs?: number;
  now?: () => number;
}

export function createMetabaseStatus(options: MetabaseStatusOptions): MetabaseStatus {
  const upTtlMs = options.upTtlMs ?? 15_000;
  const downTtlMs = options.downTtlMs ?? 5_000;
  const now = options.now ?? Date.now;
  let cached: { up: boolean; until: number } | undefined;
  let inFlight: Promise<boolean> | undefined;

  return {
    async available() {
      if (cached && now() < cached.until) return cached.up;
      inFlight ??= options
        .probe()
        .catch(() => false)
        .then((up) => {
          cached = { up, until: now() + (up ? upTtlMs : downTtlMs) };
          return up;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
