import assert from "node:assert/strict";
import express from "express";
import request from "supertest";
import { isFromAnotherOrigin } from "../../src/http/same-origin.js";

const PUBLIC_ORIGIN = "https://pilotage.example.gouv.fr";

describe("isFromAnotherOrigin", () => {
  const app = express().post("/", (req, res) => {
    res.json(isFromAnotherOrigin(req, PUBLIC_ORIGIN));
  });
  const cases: Array<[Record<string, string>, boolean]> = [
    [{}, false],
    [{ "sec-fetch-site": "same-origin" }, false],
    [{ "sec-fetch-site": "same-origin", origin: PUBLIC_ORIGIN }, false],
    // The browser's own word wins over an Origin that differs from PUBLIC_URL (e.g. the demo opened
    // under another host name): the page and the target share an origin.
    [{ "sec-fetch-site": "same-origin", origin: "http://localhost:3000" }, false],
    [{ "sec-fetch-site": "same-site" }, true],
    [{ "sec-fetch-site": "cross-site" }, true],
    [{ "sec-fetch-site": "none" }, true],
    [{ "sec-fetch-site": "cross-site", origin: PUBLIC_ORIGIN }, true],
    [{ origin: PUBLIC_ORIGIN }, false],
    [{ origin: "https://pilotage.example.gouv.fr:8443" }, true],
    [{ origin: "http://pilotage.example.gouv.fr" }, true],
    [{ origin: "https://autre.example.gouv.fr" }, true],
    [{ origin: "null" }, true],
  ];
  for (const [headers, expected] of cases) {
    it(`${JSON.stringify(headers)} → ${expected}`, async () => {
      const res = await request(app).post("/").set(headers).expect(200);
      assert.equal(res.body, expected);
    });
  }
});
