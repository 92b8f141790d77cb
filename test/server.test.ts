import assert from "node:assert/strict";
import http from "node:http";
import { startServer } from "../src/server.js";

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("graceful shutdown", () => {
  it("finishes an in-flight request, then refuses new connections", async () => {
    let started!: () => void;
    const requestStarted = new Promise<void>((resolve) => (started = resolve));
    const running = await startServer(
      (_req, res) => {
        started();
        setTimeout(() => res.end("fini"), 300);
      },
      0,
      "127.0.0.1",
    );
    const inFlight = get(`${running.url}/lent`);
    await requestStarted;
    const stopped = running.stop();
    assert.deepEqual(await inFlight, { status: 200, body: "fini" });
    await stopped;
    await assert.rejects(get(`${running.url}/apres`), /ECONNREFUSED/);
  });
});
