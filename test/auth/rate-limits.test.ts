import assert from "node:assert/strict";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { openTestStack } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";

describe("rate limits on login", () => {
  let stack: LoginStack;
  before(async () => {
    stack = await startLoginStack({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "3" } });
  });
  after(() => stack.close());
  beforeEach(async () => {
    // Counters are per client address and shared by every test of the run: start from zero.
    const redis = stack.testStack.deps.redis!;
    const keys = await redis.keys("pilotage:rl:login-*");
    if (keys.length) await redis.del(keys);
  });

  it("limits /connexion per client, across gateway processes sharing Redis", async () => {
    const other = await openTestStack({ config: stack.config });
    try {
      const first = createApp(stack.testStack.deps);
      const second = createApp(other.deps);
      await request(first).post("/connexion").expect(303);
      await request(second).post("/connexion").expect(303);
      await request(first).post("/connexion").expect(303);
      const refused = await request(second).post("/connexion").expect(429);
      assert.match(refused.text, /<h1>Trop de requêtes<\/h1>/);
      assert.ok(Number(refused.headers["retry-after"]) > 0);
      // The login page itself stays available.
      await request(first).get("/connexion").expect(200);
    } finally {
      await other.close();
    }
  });

  it("limits ProConnect's callback per client", async () => {
    const app = createApp(stack.testStack.deps);
    for (let i = 0; i < 3; i++) await request(app).get("/connexion/callback?code=x&state=y").expect(400);
    await request(app).get("/connexion/callback?code=x&state=y").expect(429);
  });
});
