import assert from "node:assert/strict";
import { refreshedRead } from "../../src/cache/refreshed-read.js";
import { currentDeadline, DeadlineAbort, runWithDeadline, startDeadline } from "../../src/deadline.js";

/**
 * The load marker's and the territory reference's reads (src/cache/refreshed-read.ts): one read in
 * flight, shared; a request that joined a read cancelled with its starter's request reads again.
 */
describe("refreshed read", () => {
  /** A read that takes `ms` and, as the storage layer does, stops when its request's deadline aborts. */
  function slowRead(ms: number) {
    let reads = 0;
    const read = () => {
      reads += 1;
      const signal = currentDeadline()?.signal;
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => resolve(reads), ms);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    };
    return { read, reads: () => reads };
  }

  it("shares one read between concurrent callers, then keeps its value for refreshMs", async () => {
    const source = slowRead(20);
    const value = refreshedRead(source.read, { refreshMs: 60_000 });
    assert.deepEqual(await Promise.all([value.current(), value.current(), value.current()]), [1, 1, 1]);
    assert.equal(await value.current(), 1);
    assert.equal(source.reads(), 1);
    value.invalidate();
    assert.equal(await value.current(), 2);
  });

  it("reads again for a caller whose shared read was cancelled with another request", async () => {
    const source = slowRead(50);
    const value = refreshedRead(source.read, { refreshMs: 60_000 });
    const leaving = new AbortController();
    const first = runWithDeadline(startDeadline(5_000, leaving.signal), () => value.current());
    const second = runWithDeadline(startDeadline(5_000), () => value.current());
    leaving.abort(new DeadlineAbort("client_gone"));
    await assert.rejects(
      first,
      (error: unknown) => error instanceof DeadlineAbort && error.end === "client_gone",
    );
    assert.equal(await second, 2);
  });

  it("gives the last good value when a read fails, with keepLastGood", async () => {
    let fail = false;
    let reads = 0;
    const value = refreshedRead(
      async () => {
        reads += 1;
        if (fail) throw new Error("warehouse away");
        return reads;
      },
      { refreshMs: 0, keepLastGood: true },
    );
    assert.equal(await value.current(), 1);
    fail = true;
    assert.equal(await value.current(), 1);
    const strict = refreshedRead(() => Promise.reject(new Error("warehouse away")), { refreshMs: 0 });
    await assert.rejects(strict.current(), /warehouse away/);
  });
});
