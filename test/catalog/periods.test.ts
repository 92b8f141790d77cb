import assert from "node:assert/strict";
import {
  anchorDashboard,
  anchorDateString,
  anchorValue,
  anchorValues,
  type Dashboard,
} from "../../src/catalog/index.js";

/** Relative periods read against the data's cut-off date, not the calendar (issue 17). */

const END_OF_OCTOBER = { year: 2026, month: 10, day: 31 };
const MID_OCTOBER = { year: 2026, month: 10, day: 15 };
const NEW_YEARS_EVE = { year: 2026, month: 12, day: 31 };

describe("periods anchored on the cut-off", () => {
  it("reads past and last periods as on the morning after the cut-off: the cut-off's month is data", () => {
    assert.equal(anchorDateString("past12months", END_OF_OCTOBER), "2025-11-01~2026-10-31");
    assert.equal(anchorDateString("past3months", END_OF_OCTOBER), "2026-08-01~2026-10-31");
    assert.equal(anchorDateString("lastmonth", END_OF_OCTOBER), "2026-10-01~2026-10-31");
    assert.equal(anchorDateString("lastyear", END_OF_OCTOBER), "2025-01-01~2025-12-31");
    assert.equal(anchorDateString("yesterday", END_OF_OCTOBER), "2026-10-31");
    assert.equal(anchorDateString("past30days", END_OF_OCTOBER), "2026-10-02~2026-10-31");
  });

  it("leaves out a month the data only half covers, as Metabase leaves out the month under way", () => {
    assert.equal(anchorDateString("past12months", MID_OCTOBER), "2025-10-01~2026-09-30");
    assert.equal(anchorDateString("lastmonth", MID_OCTOBER), "2026-09-01~2026-09-30");
  });

  it("reads this… and today as the unit holding the cut-off day, even on 31 December", () => {
    assert.equal(anchorDateString("thisyear", NEW_YEARS_EVE), "2026-01-01~2026-12-31");
    assert.equal(anchorDateString("thismonth", END_OF_OCTOBER), "2026-10-01~2026-10-31");
    assert.equal(anchorDateString("today", END_OF_OCTOBER), "2026-10-31");
    assert.equal(anchorDateString("lastyear", NEW_YEARS_EVE), "2026-01-01~2026-12-31");
  });

  it("leaves absolute values as written", () => {
    for (const value of ["2025-01", "Q1-2025", "2025-01-01~2025-03-31", "~2025-01-31", "2025-06-30"]) {
      assert.equal(anchorDateString(value, END_OF_OCTOBER), value);
    }
  });

  it("reads thisyear and lastyear on a number parameter as the cut-off's year and the one before", () => {
    assert.equal(anchorValue({ type: "number" }, "thisyear", NEW_YEARS_EVE), 2026);
    assert.equal(anchorValue({ type: "number" }, "lastyear", END_OF_OCTOBER), 2025);
    assert.equal(anchorValue({ type: "number" }, 2024, END_OF_OCTOBER), 2024);
    assert.equal(anchorValue({ type: "text" }, "thisyear", END_OF_OCTOBER), "thisyear");
  });

  it("anchors a dashboard's editable defaults, never a locked parameter, and keeps its content version", () => {
    const dashboard = {
      key: "d",
      contentVersion: "v1",
      parameters: [
        { slug: "departement", label: "Département", type: "text", multiple: true, locked: "departements" },
        { slug: "periode", label: "Période", type: "date range", multiple: false, default: "past12months" },
        { slug: "annee", label: "Année", type: "number", multiple: false, default: "thisyear" },
      ],
    } as unknown as Dashboard;
    const anchored = anchorDashboard(dashboard, END_OF_OCTOBER);
    assert.deepEqual(
      anchored.parameters.map((p) => [p.slug, p.default]),
      [
        ["departement", undefined],
        ["periode", "2025-11-01~2026-10-31"],
        ["annee", 2026],
      ],
    );
    assert.equal(anchored.contentVersion, "v1");
    assert.deepEqual(
      anchorDashboard(dashboard, END_OF_OCTOBER, { yearsOnly: true }).parameters.map((p) => p.default),
      [undefined, "past12months", 2026],
    );
    assert.deepEqual(
      anchorValues(
        dashboard,
        { periode: "past3months", annee: "lastyear", departement: ["93"] },
        MID_OCTOBER,
      ),
      { periode: "2026-07-01~2026-09-30", annee: 2025, departement: ["93"] },
    );
  });
});
