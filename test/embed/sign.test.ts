import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import {
  EmbedSigningError,
  MAX_EMBED_URL_BYTES,
  signEmbedToken,
  type SignEmbedInput,
} from "../../src/embed/sign.js";
import { EmptyLockError } from "../../src/perimeter/lock-values.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";

const SECRET = "0123456789abcdef".repeat(4);
const IDF = ["75", "77", "78", "91", "92", "93", "94", "95"];
const NOW = new Date("2026-11-29T10:00:00.000Z");

function input(overrides: Partial<SignEmbedInput> = {}): SignEmbedInput {
  return {
    dashboard: {
      key: "candidatures-recues",
      parameters: [
        { slug: "departement", locked: "departements" },
        { slug: "region", locked: "region" },
        { slug: "periode", default: "2026" },
        { slug: "type_structure", default: ["ACI", "EI"] },
      ],
    },
    resourceId: 42,
    perimeter: { departements: IDF, region: "11" },
    siteUrl: "https://stats.example.gouv.fr/",
    secretKey: SECRET,
    ttlSeconds: 600,
    now: NOW,
    ...overrides,
  };
}

describe("signEmbedToken", () => {
  it("signs byte for byte as jsonwebtoken does with HS256", () => {
    const national = input({
      dashboard: { key: "national", parameters: [{ slug: "departement", locked: "departements" }] },
      perimeter: { departements: ALL_DEPARTEMENT_CODES },
    });
    for (const given of [input(), national]) {
      const signed = signEmbedToken(given);
      const [, body] = signed.token.split(".");
      const payload = JSON.parse(Buffer.from(body!, "base64url").toString()) as Record<string, unknown>;
      assert.equal(signed.token, jwt.sign(payload, SECRET, { algorithm: "HS256" }));
    }
  });

  it("signs exactly the locked parameters, from the perimeter, with HS256 and exp in seconds", () => {
    const signed = signEmbedToken(input());
    const header = JSON.parse(Buffer.from(signed.token.split(".")[0]!, "base64url").toString());
    assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
    const payload = jwt.verify(signed.token, SECRET, {
      algorithms: ["HS256"],
      clockTimestamp: NOW.getTime() / 1000,
    });
    assert.deepEqual(payload, {
      resource: { dashboard: 42 },
      params: { departement: IDF, region: "Île-de-France" },
      exp: NOW.getTime() / 1000 + 600,
      iat: NOW.getTime() / 1000,
    });
    assert.deepEqual(signed.lockedValues, { departement: IDF, region: "Île-de-France" });
    assert.equal(signed.expiresAt.toISOString(), "2026-11-29T10:10:00.000Z");
  });

  it("builds the iframe URL with editable defaults in the query and options in the hash", () => {
    const signed = signEmbedToken(input({ hash: { theme: "night" } }));
    assert.equal(
      signed.url,
      `https://stats.example.gouv.fr/embed/dashboard/${signed.token}?periode=2026&type_structure=ACI&type_structure=EI#bordered=false&titled=false&theme=night&locale=fr`,
    );
  });

  it("never puts a locked slug in the query string", () => {
    const signed = signEmbedToken(
      input({
        dashboard: { key: "d", parameters: [{ slug: "departement", locked: "departements", default: "75" }] },
      }),
    );
    assert.ok(!signed.url.includes("?"));
  });

  it("signs with params {} when the dashboard locks nothing", () => {
    const signed = signEmbedToken(input({ dashboard: { key: "public", parameters: [{ slug: "annee" }] } }));
    assert.deepEqual((jwt.decode(signed.token) as { params: unknown }).params, {});
  });

  it("refuses an empty or missing lock value instead of signing []", () => {
    assert.throws(
      () => signEmbedToken(input({ perimeter: { departements: [], region: "11" } })),
      EmptyLockError,
    );
    assert.throws(() => signEmbedToken(input({ perimeter: { departements: ["93"] } })), EmptyLockError);
    // A DDETS carries its région's code: a région lock would show it the whole région (issue 15).
    assert.throws(
      () => signEmbedToken(input({ perimeter: { departements: ["93"], region: "11" } })),
      (error: unknown) =>
        error instanceof EmptyLockError && error.status === 403 && error.attribute === "region",
    );
    assert.throws(
      () =>
        signEmbedToken(
          input({
            dashboard: { key: "employeur", parameters: [{ slug: "structure", locked: "structures" }] },
            perimeter: { structures: [] },
          }),
        ),
      EmptyLockError,
    );
  });

  it("refuses a lock whose source is not a perimeter attribute, and a slug declared twice", () => {
    assert.throws(
      () =>
        signEmbedToken(
          input({ dashboard: { key: "d", parameters: [{ slug: "x", locked: "commune" as never }] } }),
        ),
      (error: unknown) => error instanceof EmbedSigningError && error.reason === "undeclared_parameter",
    );
    assert.throws(
      () =>
        signEmbedToken(
          input({
            dashboard: {
              key: "d",
              parameters: [
                { slug: "departement", locked: "departements" },
                { slug: "departement", default: "75" },
              ],
            },
          }),
        ),
      (error: unknown) => error instanceof EmbedSigningError && error.reason === "undeclared_parameter",
    );
  });

  it("refuses a URL over 8,000 bytes", () => {
    const many = Array.from({ length: 900 }, (_, i) => 100000 + i);
    assert.throws(
      () =>
        signEmbedToken(
          input({
            dashboard: { key: "reseau", parameters: [{ slug: "structure", locked: "structures" }] },
            perimeter: { structures: many },
          }),
        ),
      (error: unknown) => error instanceof EmbedSigningError && error.reason === "url_too_long",
    );
  });

  it("fits the national perimeter with labels under the limit", () => {
    const signed = signEmbedToken(
      input({
        dashboard: {
          key: "national",
          parameters: [
            { slug: "departement", locked: "departements" },
            { slug: "nom_departement", locked: "departement_labels" },
          ],
        },
        perimeter: { departements: ALL_DEPARTEMENT_CODES },
      }),
    );
    assert.ok(Buffer.byteLength(signed.url) < MAX_EMBED_URL_BYTES);
  });

  it("refuses a dashboard without a valid Metabase id", () => {
    for (const resourceId of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => signEmbedToken(input({ resourceId })),
        (error: unknown) => error instanceof EmbedSigningError && error.reason === "invalid_resource",
      );
    }
  });
});
