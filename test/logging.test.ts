import assert from "node:assert/strict";
import { loadConfig } from "../src/config.js";
import { captureLogger } from "./support/app.js";

/**
 * PRODUCT.md §3, invariant 7, on the logger itself: a configuration logged whole, and objects holding a
 * secret under each of its names at every depth the redaction promises, come out with no secret in them.
 * The names are this test's own copy, not src/logging.ts's: taking one out of the redaction list fails
 * here instead of silently shrinking what the test checks.
 */
const SECRET_NAMES = [
  "password",
  "secret",
  "token",
  "access_token",
  "id_token",
  "idToken",
  "refresh_token",
  "code",
  "codeVerifier",
  "code_verifier",
  "nonce",
  "client_secret",
  "clientSecret",
  "embeddingSecretKey",
  "apiKey",
  "api_key",
  "sessionSecret",
  "warehouseUrl",
];

/** A secret that names itself, so that a leak says which one. */
const secretFor = (label: string) => `s3cr3t-${label.replace(/[^\w]/g, "-")}-0123456789abcdef`;

/** Every way the configuration can hold a secret, each distinct. */
const ENV = {
  NODE_ENV: "test",
  PUBLIC_URL: "https://pilotage.example.gouv.fr",
  SESSION_SECRET: secretFor("session-secret"),
  PROCONNECT_ISSUER: "https://proconnect.example.gouv.fr/api/v2",
  PROCONNECT_CLIENT_ID: "pilotage",
  PROCONNECT_CLIENT_SECRET: secretFor("client-secret"),
  METABASE_SITE_URL: "https://stats.example.gouv.fr",
  METABASE_EMBEDDING_SECRET_KEY: "0123456789abcdef".repeat(4),
  METABASE_API_KEY: secretFor("metabase-api-key"),
  METABASE_USERNAME: "data@example.gouv.fr",
  METABASE_PASSWORD: secretFor("metabase-password"),
  DATABASE_URL: `postgres://gateway:${secretFor("database-password")}@db.internal:5432/gateway`,
  WAREHOUSE_URL: `postgres://reader:${secretFor("warehouse-password")}@db.internal:5432/warehouse`,
  REDIS_URL: `redis://:${secretFor("redis-password")}@redis.internal:6379`,
  METABASE_WAREHOUSE_URL: `postgres://metabase_lecture:${secretFor("metabase-role-password")}@db.internal:5432/warehouse`,
};

const CONFIG_SECRETS = [
  ENV.SESSION_SECRET,
  ENV.PROCONNECT_CLIENT_SECRET,
  ENV.METABASE_EMBEDDING_SECRET_KEY,
  ENV.METABASE_API_KEY,
  ENV.METABASE_PASSWORD,
  secretFor("database-password"),
  secretFor("warehouse-password"),
  secretFor("redis-password"),
  secretFor("metabase-role-password"),
];

function assertNoSecret(lines: string[], secrets: string[]): void {
  assert.ok(lines.length > 0);
  for (const line of lines)
    for (const secret of secrets) assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
}

describe("the logger's redaction", () => {
  it("hides every secret of a configuration logged whole, at the top level or nested", () => {
    const config = loadConfig(ENV);
    const { logger, lines } = captureLogger("info");
    logger.info(config, "flat");
    logger.info({ config }, "under config");
    logger.info({ deps: { config } }, "two levels down");
    assertNoSecret(lines, CONFIG_SECRETS);
    // Redacted, not dropped: what is not secret still reads, so this test would see a logger that logs nothing.
    const nested = JSON.parse(lines[2]!) as { deps: { config: Record<string, Record<string, unknown>> } };
    assert.deepEqual(
      {
        publicUrl: nested.deps.config.http!.publicUrl,
        clientId: nested.deps.config.proconnect!.clientId,
        username: nested.deps.config.metabase!.username,
        secrets: [
          nested.deps.config.session!.secret,
          nested.deps.config.proconnect!.clientSecret,
          nested.deps.config.metabase!.embeddingSecretKey,
          nested.deps.config.metabase!.apiKey,
          nested.deps.config.metabase!.password,
          nested.deps.config.database!.url,
          nested.deps.config.warehouse!.url,
          nested.deps.config.redis!.url,
          nested.deps.config.metabase!.warehouseUrl,
        ],
      },
      {
        publicUrl: "https://pilotage.example.gouv.fr",
        clientId: "pilotage",
        username: "data@example.gouv.fr",
        secrets: Array(9).fill("[redacted]"),
      },
    );
  });

  for (const name of SECRET_NAMES) {
    it(`hides « ${name} » at every depth up to four, and in arrays`, () => {
      const { logger, lines } = captureLogger("info");
      const secret = secretFor(name);
      const shapes: Array<Record<string, unknown>> = [
        { [name]: secret },
        { outer: { [name]: secret } },
        { outer: { middle: { [name]: secret } } },
        { outer: { middle: { inner: { [name]: secret } } } },
        { list: [{ [name]: secret }] },
      ];
      for (const shape of shapes) logger.info({ ...shape, kept: "visible" }, "nested");
      assertNoSecret(lines, [secret]);
      for (const line of lines) {
        assert.match(line, /"\[redacted\]"/);
        assert.match(line, /"kept":"visible"/);
      }
    });
  }
});
