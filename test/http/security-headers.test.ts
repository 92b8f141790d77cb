import assert from "node:assert/strict";
import express, { type RequestHandler } from "express";
import request from "supertest";
import { helmetHeaders, recordFixedHeaders, securityHeaders } from "../../src/http/security-headers.js";

/**
 * Every answer carries helmet's headers replayed as recorded at start-up (src/http/security-headers.ts):
 * the replay must send what helmet itself sends, header for header, for every configuration.
 */
describe("security headers replayed from helmet", () => {
  const configurations = {
    development: { metabaseOrigin: undefined, production: false },
    "production, Metabase, Matomo and ProConnect": {
      metabaseOrigin: "https://metabase.example.gouv.fr",
      matomoOrigin: "https://stats.example.gouv.fr",
      production: true,
      formActionOrigins: ["https://auth.example.gouv.fr"],
    },
  };

  /** Every header of a GET through `headers` (Express' own X-Powered-By left on, for helmet to remove). */
  async function answerThrough(headers: RequestHandler, secure: boolean) {
    const app = express();
    app.use(headers);
    app.get("/", (_req, res) => void res.json({ ok: true }));
    const response = await request(app)
      .get("/")
      .set(secure ? { "X-Forwarded-Proto": "https" } : {});
    const { date: _date, ...rest } = response.headers as Record<string, string>;
    return rest;
  }

  for (const [name, options] of Object.entries(configurations)) {
    it(`sends exactly helmet's headers: ${name}`, async () => {
      const helmetItself = helmetHeaders(options);
      const replayed = securityHeaders(options);
      for (const secure of [false, true]) {
        const expected = await answerThrough(helmetItself, secure);
        assert.ok(expected["content-security-policy"], "helmet sets a CSP");
        assert.equal(expected["x-powered-by"], undefined, "helmet removes X-Powered-By");
        assert.deepEqual(await answerThrough(replayed, secure), expected);
      }
    });
  }

  it("refuses at start-up a middleware it cannot replay", () => {
    const later: RequestHandler = (_req, _res, next) => void setImmediate(next);
    assert.throws(() => recordFixedHeaders(later as never), /did not answer at once/);
    const perRequest: RequestHandler = (_req, res, next) => {
      res.setHeader("Content-Security-Policy", (() => "computed") as never);
      next();
    };
    assert.throws(() => recordFixedHeaders(perRequest as never), /not a fixed string/);
    const failing: RequestHandler = (_req, _res, next) => next(new Error("broken"));
    assert.throws(() => recordFixedHeaders(failing as never), /broken/);
  });
});
