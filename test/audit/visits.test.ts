import assert from "node:assert/strict";
import { recordVisit, weeklyUsage, type Visit } from "../../src/audit/visits.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";

describe("visit log", () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({ name: "gateway", url: undefined, pgliteDataDir: "memory://" });
    await migrate(db);
  });
  after(() => db.close());
  // Each test reads the log from nothing: rows another test left, at its own dates, would show in its weeks.
  beforeEach(() => db.exec("TRUNCATE dashboard_visits"));

  const visit = (overrides: Partial<Visit>): Visit => ({
    dashboardKey: "candidatures",
    userSub: "a",
    profileKind: "ddets",
    organisationRef: "institution:1",
    departements: ["93"],
    region: "11",
    preview: false,
    ...overrides,
  });

  it("counts visits, distinct people and organisations per dashboard and week, without previews", async () => {
    await recordVisit(db, visit({}));
    await recordVisit(db, visit({}));
    await recordVisit(db, visit({ userSub: "b", organisationRef: "institution:2" }));
    await recordVisit(db, visit({ userSub: "c" }));
    await recordVisit(db, visit({ dashboardKey: "pass-iae", userSub: "c" }));
    await recordVisit(db, visit({ userSub: "staff", preview: true }));
    const usage = await weeklyUsage(db);
    assert.equal(usage.length, 2);
    assert.deepEqual(
      usage.map(({ week: _week, ...rest }) => rest),
      [
        { dashboardKey: "candidatures", visits: 4, people: 3, organisations: 2 },
        { dashboardKey: "pass-iae", visits: 1, people: 1, organisations: 1 },
      ],
    );
    assert.match(usage[0]!.week, /^\d{4}-\d{2}-\d{2}$/);
  });

  it("leaves out visits older than the window", async () => {
    await recordVisit(db, visit({}));
    assert.deepEqual(
      (await weeklyUsage(db, { weeks: 4 })).map(({ week: _week, ...rest }) => rest),
      [{ dashboardKey: "candidatures", visits: 1, people: 1, organisations: 1 }],
    );
    const later = new Date(Date.now() + 20 * 7 * 24 * 3600 * 1000);
    assert.deepEqual(await weeklyUsage(db, { now: later, weeks: 4 }), []);
  });

  it("covers whole weeks, from the Monday (in Paris) of the oldest of the twelve, not twelve weeks back from now", async () => {
    // Wednesday 3 December 2036: the twelve weeks run from Monday 15 September to the current one.
    const now = new Date("2036-12-03T10:00:00Z");
    const at = async (measuredAt: string, dashboardKey: string) => {
      await recordVisit(db, visit({ dashboardKey }));
      await db.query(
        "UPDATE dashboard_visits SET measured_at = $1 WHERE id = (SELECT max(id) FROM dashboard_visits)",
        [measuredAt],
      );
    };
    // Wednesday 10 September, within twelve weeks of now but in the week before the oldest one shown.
    await at("2036-09-10T12:00:00Z", "avant");
    // Sunday 14 September, 23:30 in Paris: still the week before.
    await at("2036-09-14T21:30:00Z", "avant");
    // Monday 15 September, 00:30 in Paris: the oldest week's first hour.
    await at("2036-09-14T22:30:00Z", "premiere-semaine");
    await at("2036-12-03T09:00:00Z", "cette-semaine");
    assert.deepEqual(await weeklyUsage(db, { now, weeks: 12 }), [
      { week: "2036-12-01", dashboardKey: "cette-semaine", visits: 1, people: 1, organisations: 1 },
      { week: "2036-09-15", dashboardKey: "premiere-semaine", visits: 1, people: 1, organisations: 1 },
    ]);
  });
});
