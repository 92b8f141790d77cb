/**
 * A value read from a dependency at most once per `refreshMs`, with one read in flight at a time (the
 * load marker, the territory reference). The read in flight runs under the deadline of the request that
 * started it (src/deadline.ts): when that request's client goes away, its read is cancelled. A request
 * that joined it then reads again under its own deadline, so that one person closing a tab never fails
 * another's request. With `keepLastGood`, a failed read gives the last value read, when there is one.
 */
export interface RefreshedRead<T> {
  current(): Promise<T>;
  /** Forgets the value read: the next call reads again. */
  invalidate(): void;
}

export function refreshedRead<T>(
  read: () => Promise<T>,
  options: { refreshMs: number; now?: () => number; keepLastGood?: boolean },
): RefreshedRead<T> {
  const now = options.now ?? Date.now;
  let cached: { at: number; value: T } | undefined;
  let reading: Promise<T> | undefined;
  const start = (): Promise<T> =>
    (reading ??= read()
      .then((value) => {
        cached = { at: now(), value };
        return value;
      })
      .finally(() => (reading = undefined)));
  const orLastGood = (pending: Promise<T>): Promise<T> => {
    const last = cached;
    return options.keepLastGood && last ? pending.catch(() => last.value) : pending;
  };
  return {
    async current() {
      if (cached && now() - cached.at < options.refreshMs) return cached.value;
      const joined = reading;
      if (joined) {
        try {
          return await orLastGood(joined);
        } catch {
          // Perhaps only the request that started it went away: this one reads under its own deadline.
        }
      }
      // Awaited as the joiners' read is, so that callers go on in the order they came.
      return await orLastGood(start());
    },
    invalidate() {
      cached = undefined;
    },
  };
}
