import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { currentDeadline, DeadlineAbort, startRequestDeadline, type Deadline } from "../../src/deadline.js";
import { requestDeadline } from "../../src/http/deadline.js";

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

  it("through the middleware: a client that leaves aborts its request's work, a finished answer does not", async () => {
    const seen: Deadline[] = [];
    const app = express();
    app.use(requestDeadline(60_000));
    app.get("/answered", (_req, res) => {
      seen.push(currentDeadline()!);
      res.json({ ok: true });
    });
    app.get("/left", () => void seen.push(currentDeadline()!));
    const server = http.createServer(app).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal((await fetch(`${base}/answered`)).status, 200);
      const leaving = new AbortController();
      const left = fetch(`${base}/left`, { signal: leaving.signal }).catch(() => undefined);
      while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      leaving.abort();
      await left;
      const [answered, abandoned] = seen as [Deadline, Deadline];
      await new Promise<void>((resolve) => {
        if (abandoned.signal.aborted) resolve();
        else abandoned.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      assert.equal((abandoned.signal.reason as DeadlineAbort).end, "client_gone");
      assert.equal(abandoned.clientGone!.aborted, true);
      assert.equal(answered.signal.aborted, false);
      assert.equal(answered.clientGone!.aborted, false);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
