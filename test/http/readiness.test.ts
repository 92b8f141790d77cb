import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import request from "supertest";
import { openRedis } from "../../src/storage/redis.js";
import { buildApp, openTestStack, type TestStack } from "../support/app.js";
import { freePort } from "../support/free-port.js";
import { startRedis } from "../support/redis-server.js";

async function waitForStatus(app: ReturnType<typeof buildApp>, status: number): Promise<request.Response> {
  let last: request.Response | undefined;
  for (let i = 0; i < 60; i++) {
    last = await request(app).get("/readyz");
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`/readyz stayed at ${last?.status}: ${JSON.stringify(last?.body)}`);
}

describe("/readyz", () => {
  let port: number;
  let redisProcess: ChildProcess;
  let stack: TestStack;

  before(async () => {
    port = await freePort();
    redisProcess = await startRedis(port);
    const redis = openRedis(`redis://127.0.0.1:${port}`);
    stack = await openTestStack({ redis });
    after(() => redis.disconnect());
  });
  after(async () => {
    redisProcess.kill("SIGKILL");
    await stack.close();
  });

  it("answers 200 when Redis, the gateway database and the warehouse answer", async () => {
    const res = await request(buildApp(stack)).get("/readyz").expect(200);
    assert.deepEqual(res.body, {
      status: "ok",
      failing: [],
      checks: { redis: "ok", database: "ok", warehouse: "ok" },
    });
  });

  it("goes 503 naming Redis when it stops, and back to 200 when it returns, without a restart", async () => {
    const app = buildApp(stack);
    redisProcess.kill("SIGKILL");
    await once(redisProcess, "exit");
    const down = await waitForStatus(app, 503);
    assert.deepEqual(down.body, {
      status: "unavailable",
      failing: ["redis"],
      checks: { redis: "unavailable", database: "ok", warehouse: "ok" },
    });
    assert.ok(!JSON.stringify(down.body).includes(String(port)), "no address in the answer");
    redisProcess = await startRedis(port);
    const up = await waitForStatus(app, 200);
    assert.equal(up.body.status, "ok");
  });

  it("answers /healthz while a dependency is down", async () => {
    await request(buildApp(stack)).get("/healthz").expect(200, { status: "ok" });
  });
});
