import assert from "node:assert/strict";
import { describeContract, testServerOnly } from "./target.js";

/** metabase-contract.md §2.1 (auth), §2.2 (error bodies), §2.3 (health), §2.8 (settings). */
describeContract("Metabase contract: authentication, health, settings", (target) => {
  it("§2.3 answers GET /api/health with {status: ok}, without credentials", async () => {
    const answer = await target().anonymous.get("/api/health");
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { status: "ok" });
  });

  it("§2.1 tells its version in GET /api/session/properties, without credentials", async () => {
    const answer = await target().anonymous.get("/api/session/properties");
    assert.equal(answer.status, 200);
    assert.equal(answer.json.version.tag, target().version.tag);
    assert.match(answer.json.version.tag, /^v[01]\.\d+\.\d+/);
  });

  it("§2.1 §2.2 refuses a protected endpoint without credentials: 401, plain-text `Unauthenticated`", async () => {
    const answer = await target().anonymous.get("/api/database");
    assert.equal(answer.status, 401);
    assert.match(answer.contentType, /^text\/plain/);
    assert.equal(answer.text, "Unauthenticated");
  });

  it("§2.1 refuses an unknown x-api-key the same way", async () => {
    const answer = await target().admin.withKey("mb_not-a-key-of-this-instance").get("/api/database");
    assert.equal(answer.status, 401);
    assert.equal(answer.text, "Unauthenticated");
  });

  it("§2.1 acts as a superuser with an Administrators API key", async () => {
    const user = await target().admin.ok("GET", "/api/user/current");
    assert.equal(user.is_superuser, true);
  });

  it("§2.1 acts as a plain user with an API key of another group", async function () {
    if (!target().nonAdmin) this.skip();
    const user = await target().nonAdmin!.ok("GET", "/api/user/current");
    assert.equal(user.is_superuser, false);
  });

  it("§2.1 refuses a wrong password: 401 {errors: {password: did not match stored password}}", async () => {
    const answer = await target().anonymous.post("/api/session", {
      username: target().login?.username ?? "nobody@contract.invalid",
      password: "certainly-not-the-password",
    });
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.json.errors, { password: "did not match stored password" });
  });

  it("§2.1 opens a session with POST /api/session, usable as X-Metabase-Session", async function () {
    const login = target().login;
    if (!login) this.skip();
    const answer = await target().anonymous.post("/api/session", login);
    assert.equal(answer.status, 200);
    assert.match(answer.json.id, /^[0-9a-f-]{36}$/);
    const user = await target().anonymous.get("/api/user/current", { "X-Metabase-Session": answer.json.id });
    assert.equal(user.status, 200);
    assert.equal(user.json.email.toLowerCase(), login!.username.toLowerCase());
  });

  it("§1.1 §2.8 §5 gates static embedding on enable-embedding (≤ 50) or enable-embedding-static (≥ 51)", async () => {
    const name = target().version.major >= 51 ? "enable-embedding-static" : "enable-embedding";
    const answer = await target().admin.get(`/api/setting/${name}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.json, true);
  });

  it("§2.8 keeps settings for admins: 403 `You don't have permissions to do that.` otherwise", async function () {
    if (!target().nonAdmin) this.skip();
    const answer = await target().nonAdmin!.get("/api/setting/embedding-secret-key");
    assert.equal(answer.status, 403);
    assert.equal(answer.text, "You don't have permissions to do that.");
  });

  it("§1.1 §2.8 refuses an embedding-secret-key that is not 64 lower-case hex characters", async function () {
    const t = target();
    const settings = await t.admin.ok("GET", "/api/setting");
    const entry = (settings as { key: string; is_env_setting?: boolean }[]).find(
      (s) => s.key === "embedding-secret-key",
    );
    if (entry?.is_env_setting) this.skip();
    for (const bad of ["A".repeat(64), "a".repeat(63), "g".repeat(64)]) {
      const answer = await t.admin.put("/api/setting/embedding-secret-key", { value: bad });
      assert.equal(answer.status, 500, `value ${bad}`);
      assert.match(
        String(answer.json?.message),
        /Invalid embedding-secret-key! Secret key must be a hexadecimal-encoded 256-bit key \(i\.e\., a 64-character string\)\./,
      );
    }
    // The key in force did not change: a token signed with it still opens the door.
    const after = await t.admin.ok("GET", "/api/setting/embedding-secret-key");
    assert.equal(after, t.secret);
  });

  it("§1.1 draws a secret key when embedding is switched on without one (test server only)", async function () {
    const server = testServerOnly(this, target());
    const before = server.embeddingSecretKey;
    server.setSetting("embedding-secret-key", null);
    server.setSetting(server.features.embeddingSetting, false);
    server.setSetting(server.features.embeddingSetting, true);
    assert.match(server.embeddingSecretKey ?? "", /^[0-9a-f]{64}$/);
    server.setSetting("embedding-secret-key", before);
  });
});
