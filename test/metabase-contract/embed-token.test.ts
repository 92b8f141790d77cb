import assert from "node:assert/strict";
import { handmadeToken, nowSeconds, signToken, type HttpAnswer } from "./client.js";
import { embeddableCard, embeddableDashboard, STRUCTURES_VALUES } from "./fixtures.js";
import { describeContract, testServerOnly, type ContractTarget } from "./target.js";

/** metabase-contract.md §1.2 (the token) and §1.4 steps 2–3 (unsign, resource), in Metabase's order. */

function assertRefused(answer: HttpAnswer, message: string): void {
  assert.equal(
    answer.status,
    400,
    `expected 400 "${message}", got ${answer.status} ${answer.text.slice(0, 200)}`,
  );
  assert.match(answer.contentType, /^text\/plain/);
  assert.equal(answer.text, message);
}

/** Accepted by the token checks: the embed answers the card (the SQL itself is the business of other tests). */
function assertAccepted(answer: HttpAnswer): void {
  assert.equal(answer.status, 200, answer.text.slice(0, 300));
  assert.equal(typeof answer.json.id, "number");
}

describeContract("Metabase contract: embed token checks", (target) => {
  let cardId: number;
  let dashboardId: number;
  const cardUrl = (token: string) => `/api/embed/card/${token}`;
  const claims = (t: ContractTarget, extra: Record<string, unknown> = {}) => ({
    resource: { question: cardId },
    params: {},
    ...extra,
  });

  before(async () => {
    const t = target();
    cardId = (await embeddableCard(t, { sql: `SELECT * FROM ${STRUCTURES_VALUES}` })).id;
    dashboardId = (await embeddableDashboard(t, { parameters: [], dashcards: [{ cardId }] })).id;
  });

  it("§1.2 accepts a token signed as the gateway signs it (HS256, the 64-hex secret string as the key)", async () => {
    const t = target();
    assertAccepted(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { exp: nowSeconds() + 600 })))),
    );
  });

  it("§1.4 rejects a header without alg: JWT is missing `alg`.", async () => {
    const t = target();
    assertRefused(
      await t.anonymous.get(cardUrl(handmadeToken({ typ: "JWT" }, claims(t), { secret: t.secret }))),
      "JWT is missing `alg`.",
    );
  });

  it("§1.4 rejects alg none: JWT `alg` cannot be `none`.", async () => {
    const t = target();
    assertRefused(
      await t.anonymous.get(cardUrl(handmadeToken({ alg: "none", typ: "JWT" }, claims(t), "unsigned"))),
      "JWT `alg` cannot be `none`.",
    );
  });

  it("§1.4 rejects a token signed with another key: Message seems corrupt or manipulated", async () => {
    const t = target();
    const other = "0123456789abcdef".repeat(4);
    assertRefused(
      await t.anonymous.get(cardUrl(signToken(other, claims(t)))),
      "Message seems corrupt or manipulated",
    );
  });

  it("§1.2 §1.4 verifies with HS256 whatever the header says: an HS512 token is corrupt", async () => {
    const t = target();
    assertRefused(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t), { algorithm: "HS512" }))),
      "Message seems corrupt or manipulated",
    );
  });

  it("§1.2 uses the secret string's bytes, not the hex-decoded key", async () => {
    const t = target();
    const decoded = Buffer.from(t.secret, "hex");
    assertRefused(
      await t.anonymous.get(cardUrl(signToken(decoded as unknown as string, claims(t)))),
      "Message seems corrupt or manipulated",
    );
  });

  it("§1.4 rejects a well-signed payload that is not JSON: Message seems corrupt or manipulated. (with a full stop)", async () => {
    const t = target();
    assertRefused(
      await t.anonymous.get(
        cardUrl(handmadeToken({ alg: "HS256", typ: "JWT" }, "not json", { secret: t.secret })),
      ),
      "Message seems corrupt or manipulated.",
    );
  });

  it("§1.2 §1.4 rejects a token expired beyond the 60 s leeway: Token is expired (<exp>)", async () => {
    const t = target();
    const exp = nowSeconds() - 120;
    assertRefused(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { exp })))),
      `Token is expired (${exp})`,
    );
  });

  it("§1.2 accepts a token expired within the 60 s leeway", async () => {
    const t = target();
    assertAccepted(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { exp: nowSeconds() - 20 })))),
    );
  });

  it("§1.2 rejects nbf beyond the leeway: Token is not yet valid (<nbf>); accepts it within", async () => {
    const t = target();
    const nbf = nowSeconds() + 300;
    assertRefused(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { nbf })))),
      `Token is not yet valid (${nbf})`,
    );
    assertAccepted(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { nbf: nowSeconds() + 20 })))),
    );
  });

  it("§1.2 enforces no maximum age: a token issued a year ago without exp is accepted", async () => {
    const t = target();
    assertAccepted(
      await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { iat: nowSeconds() - 365 * 86400 })))),
    );
  });

  it("§1.2 reads exp as seconds: an exp in milliseconds never expires", async () => {
    const t = target();
    assertAccepted(await t.anonymous.get(cardUrl(signToken(t.secret, claims(t, { exp: Date.now() })))));
  });

  it("§1.4 rejects a token without resource: Token is missing value for keypath [:resource :question]", async () => {
    const t = target();
    assertRefused(
      await t.anonymous.get(cardUrl(signToken(t.secret, { params: {} }))),
      "Token is missing value for keypath [:resource :question]",
    );
  });

  it("§1.4 rejects a question token on a dashboard endpoint: keypath [:resource :dashboard]", async () => {
    const t = target();
    assertRefused(
      await t.anonymous.get(`/api/embed/dashboard/${signToken(t.secret, claims(t))}`),
      "Token is missing value for keypath [:resource :dashboard]",
    );
  });

  it("§1.2 §1.4 requires params, checked after the object: Token is missing value for keypath [:params]", async () => {
    const t = target();
    const token = signToken(t.secret, { resource: { question: cardId } });
    assertRefused(await t.anonymous.get(cardUrl(token)), "Token is missing value for keypath [:params]");
    assertRefused(
      await t.anonymous.get(`${cardUrl(token)}/query`),
      "Token is missing value for keypath [:params]",
    );
    const dashboardToken = signToken(t.secret, { resource: { dashboard: dashboardId } });
    assertRefused(
      await t.anonymous.get(`/api/embed/dashboard/${dashboardToken}`),
      "Token is missing value for keypath [:params]",
    );
  });

  it("§1.4 rejects every token when no secret key is set: The embedding secret key has not been set. (test server only)", async function () {
    const server = testServerOnly(this, target());
    const secret = server.embeddingSecretKey;
    server.setSetting("embedding-secret-key", null);
    try {
      assertRefused(
        await target().anonymous.get(cardUrl(signToken(secret!, claims(target())))),
        "The embedding secret key has not been set.",
      );
    } finally {
      server.setSetting("embedding-secret-key", secret);
    }
  });

  it("§1.4 checks alg before the secret key (test server only)", async function () {
    const server = testServerOnly(this, target());
    const secret = server.embeddingSecretKey;
    server.setSetting("embedding-secret-key", null);
    try {
      assertRefused(
        await target().anonymous.get(cardUrl(handmadeToken({ alg: "none" }, claims(target()), "unsigned"))),
        "JWT `alg` cannot be `none`.",
      );
    } finally {
      server.setSetting("embedding-secret-key", secret);
    }
  });
});
