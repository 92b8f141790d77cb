import assert from "node:assert/strict";
import { dashboardAccess, type AccessDashboard } from "../../src/perimeter/dashboard-access.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";

const territorial: AccessDashboard = {
  key: "candidatures",
  public: false,
  audiences: ["ddets", "dreets", "dgefp"],
  parameters: [{ slug: "departement", locked: "departements" }, { slug: "annee" }],
};
const employer: AccessDashboard = {
  key: "mes-structures",
  public: false,
  audiences: ["employeur_siae"],
  parameters: [{ slug: "structure", locked: "structures" }],
};
const open: AccessDashboard = { key: "public", public: true, audiences: [], parameters: [{ slug: "annee" }] };

describe("dashboard access", () => {
  it("opens a public dashboard to anyone, logged in or not, with no lock", () => {
    assert.deepEqual(dashboardAccess(null, open), { allowed: true, locks: {} });
    assert.deepEqual(dashboardAccess({ kind: "employeur_siae", perimeter: { structures: [1] } }, open), {
      allowed: true,
      locks: {},
    });
  });

  it("never treats a public dashboard with a lock as open", () => {
    assert.deepEqual(dashboardAccess(null, { ...territorial, public: true }), {
      allowed: false,
      reason: "not_in_audience",
    });
  });

  it("opens a dashboard to its audience with the perimeter's values", () => {
    assert.deepEqual(
      dashboardAccess({ kind: "ddets", perimeter: { departements: ["93"], region: "11" } }, territorial),
      {
        allowed: true,
        locks: { departement: ["93"] },
      },
    );
    const national = dashboardAccess(
      { kind: "dgefp", perimeter: { departements: ALL_DEPARTEMENT_CODES } },
      territorial,
    );
    assert.ok(national.allowed && (national.locks.departement as string[]).length === 101);
  });

  it("refuses a profile outside the audience", () => {
    assert.deepEqual(
      dashboardAccess({ kind: "conseil_departemental", perimeter: { departements: ["33"] } }, territorial),
      {
        allowed: false,
        reason: "not_in_audience",
      },
    );
    assert.deepEqual(dashboardAccess(null, territorial), { allowed: false, reason: "not_in_audience" });
  });

  it("refuses when the perimeter cannot fill a lock, even for staff", () => {
    assert.deepEqual(dashboardAccess({ kind: "employeur_siae", perimeter: { structures: [] } }, employer), {
      allowed: false,
      reason: "perimeter_cannot_fill_lock",
      attribute: "structures",
    });
    assert.deepEqual(
      dashboardAccess({ kind: "staff", perimeter: { departements: ALL_DEPARTEMENT_CODES } }, employer),
      {
        allowed: false,
        reason: "perimeter_cannot_fill_lock",
        attribute: "structures",
      },
    );
  });

  it("opens a dashboard locked on the région only to a perimeter that is exactly one région", () => {
    const regional: AccessDashboard = {
      key: "region",
      public: false,
      audiences: ["ddets", "dreets"],
      parameters: [{ slug: "region", locked: "region" }],
    };
    const idf = ["75", "77", "78", "91", "92", "93", "94", "95"];
    assert.deepEqual(
      dashboardAccess({ kind: "dreets", perimeter: { departements: idf, region: "11" } }, regional),
      {
        allowed: true,
        locks: { region: "Île-de-France" },
      },
    );
    assert.deepEqual(
      dashboardAccess({ kind: "ddets", perimeter: { departements: ["93"], region: "11" } }, regional),
      {
        allowed: false,
        reason: "perimeter_cannot_fill_lock",
        attribute: "region",
      },
    );
  });

  it("lets staff open a territorial dashboard with their own (national) perimeter", () => {
    const staff = dashboardAccess(
      { kind: "staff", perimeter: { departements: ALL_DEPARTEMENT_CODES } },
      territorial,
    );
    assert.equal(staff.allowed, true);
  });
});
