import assert from "node:assert/strict";
import type { Request } from "express";
import { territoryFailureBehind } from "../../src/perimeter/narrowed-profile.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { createTerritoryReferenceReader } from "../../src/territories/reference.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { bindVerifiedDashboard } from "../support/embed-binding.js";
import { loginAs, type Browser } from "../support/login.js";

/**
 * The territory reference (bassins and EPCI of each département) cannot be read: a dashboard locked on
 * bassins cannot be signed (never a wider lock), and the person is told to try again (503), not that the
 * dashboard is not theirs (403). A dashboard locked on départements only opens as usual.
 */
describe("territory reference unreadable", () => {
  let stack: LoginStack;
  let unreachable: Database;
  let browser: Browser;
  const BASSINS = "candidatures-recues-par-les-siae";
  const DEPARTEMENTS = "pass-iae";

  before(async () => {
    // A warehouse address nothing answers on: the reference's reads fail as a warehouse that is away.
    unreachable = await openDatabase({
      name: "warehouse",
      url: "postgres://pilotage@127.0.0.1:1/entrepot",
      pgliteDataDir: "memory://",
    });
    stack = await startLoginStack({
      env: {
        METABASE_SITE_URL: "http://metabase.invalid:3000",
        METABASE_EMBEDDING_SECRET_KEY: "ab".repeat(32),
      },
      deps: { territories: createTerritoryReferenceReader({ warehouse: unreachable }) },
    });
    for (const key of [BASSINS, DEPARTEMENTS]) await bindVerifiedDashboard(stack.testStack.deps.db, key);
    browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
  });
  after(async () => {
    await stack?.close();
    await unreachable.close();
  });

  it("answers the bassin-locked embed with a 503 to retry, and signs nothing", async () => {
    const response = await browser.get(`${stack.baseUrl}/api/dashboards/${BASSINS}/embed`, {
      Accept: "application/json",
    });
    assert.equal(response.status, 503);
    assert.ok(response.headers.get("retry-after"), "Retry-After");
    assert.doesNotMatch(await response.text(), /metabase\.invalid/);
  });

  it("answers the bassin-locked page with a 503 too", async () => {
    const response = await browser.get(`${stack.baseUrl}/tableaux-de-bord/${BASSINS}`);
    assert.equal(response.status, 503);
  });

  it("still refuses with a 403 a person the dashboard is not for", async () => {
    const employer = await loginAs(stack.baseUrl, "employeur.siae@demo.pilotage.test");
    const response = await employer.get(`${stack.baseUrl}/api/dashboards/${BASSINS}/embed`, {
      Accept: "application/json",
    });
    assert.equal(response.status, 403);
  });

  it("still opens a dashboard locked on départements only", async () => {
    const response = await browser.get(`${stack.baseUrl}/api/dashboards/${DEPARTEMENTS}/embed`);
    assert.equal(response.status, 200);
  });

  it("keeps the 403 for a perimeter without départements, which never gets bassins", () => {
    const failure = new Error("warehouse away");
    const req = { territoryReferenceFailure: failure } as unknown as Request;
    const access = { allowed: false as const, reason: "perimeter_cannot_fill_lock", attribute: "bassins" };
    assert.equal(territoryFailureBehind(req, access, { structures: [1] }), undefined);
    assert.equal(
      territoryFailureBehind(req, { ...access, attribute: "departements" }, { departements: ["93"] }),
      undefined,
    );
    assert.equal(territoryFailureBehind(req, access, { departements: ["93"] }), failure);
  });
});
