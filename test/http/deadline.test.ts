import assert from "node:assert/strict";
import { DeadlineAbort, startRequestDeadline } from "../../src/deadline.js";

/** A request's deadline (src/deadline.ts): its signal for time and departure, its lazy "client gone". */
describe("request deadline", () => {
  it("aborts for time, without saying the client went away", async () => {
    const deadline = startRequestDeadline(20);
    const gone = deadline.clientGone!;
    await new Promise((resolve) => deadline.signal.addEventListener("abort", resolve, { once: true }));
    assert.equal((deadline.signal.reason as DeadlineAbort).end, "expired");
    assert.equal(gone.aborted, false);
    assert.equal(deadline.remainingMs(), 0);
    deadline.dispose();
  });

  it("aborts both signals when the client leaves, the one made before as the one asked for after", () => {
    const before = startRequestDeadline(60_000);
    const early = before.clientGone!;
    before.clientWentAway();
    assert.equal((early.reason as DeadlineAbort).end, "client_gone");
    assert.equal((before.signal.reason as DeadlineAbort).end, "client_gone");
    before.dispose();

    const after = startRequestDeadline(60_000);
    after.clientWentAway();
    assert.equal(after.clientGone!.aborted, true);
    assert.equal(after.clientGone, after.clientGone, "the same signal on each read");
    assert.equal((after.signal.reason as DeadlineAbort).end, "client_gone");
    after.dispose();
  });

  it("stops its timer once disposed: the signal no longer aborts for time", async () => {
    const deadline = startRequestDeadline(10);
    deadline.dispose();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(deadline.signal.aborted, false);
    assert.ok(deadline.remainingMs() === 0);
  });
});
