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
    const later = new Date(Date.now() + 20 * 7 * 24 * 3600 * 1000);
    assert.deepEqual(await weeklyUsage(db, { now: later, weeks: 4 }), []);
  });
});
