import assert from "node:assert/strict";
import { DeadlineAbort, runWithDeadline, startDeadline, withDeadline } from "../../src/deadline.js";
import { ClientGoneError, DependencyError } from "../../src/errors.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { databaseLimits } from "../../src/storage/postgres-limits.js";
import { createTestDatabase } from "../support/services.js";

/**
 * The client-side limits of src/storage/postgres.ts on a live server (a frozen one is the fault suite's:
 * test/faults/). A statement past its deadline is cancelled on the server and its connection discarded;
 * a client gone cancels likewise; a statement the server refuses is not a dependency failure.
 */
describe("client-side limits on Postgres", () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let observer: Database;

  before(async () => {
    fresh = await createTestDatabase("limits");
    db = await openDatabase({
      name: "limits",
      url: fresh.url,
      pgliteDataDir: "memory://",
      limits: databaseLimits(5_000),
    });
    observer = await openDatabase({ name: "observer", url: fresh.url, pgliteDataDir: "memory://" });
  });
  after(async () => {
    await db.close();
    await observer.close();
    await fresh.drop();
  });

  /** The limited pool's statements still running on the server. */
  async function sleeping(): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'pilotage-limits' AND state = 'active' AND query LIKE '%pg_sleep%'`,
    );
    return rows[0]!.n;
  }
  async function untilNoneSleeping(withinMs: number): Promise<void> {
    const started = Date.now();
    while ((await sleeping()) > 0) {
      if (Date.now() - started > withinMs) assert.fail(`a statement still runs after ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("ends a statement at the request's deadline: a 503 naming the database, the statement cancelled, its connection discarded", async () => {
    await db.query("SELECT 1");
    const started = Date.now();
    await assert.rejects(
      withDeadline(300, () => db.query("SELECT pg_sleep(30)")),
      (error: unknown) => {
        assert.ok(error instanceof DependencyError);
        assert.deepEqual(
          [error.status, error.dependencyName, error.failure],
          [503, "gateway_database", "timeout"],
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 3_000);
    // Well before the server's own statement_timeout (5 s) would have ended it.
    await untilNoneSleeping(1_500);
    assert.equal(db.pool!.totalCount, 0, "the connection that timed out was not returned to the pool");
    assert.deepEqual((await db.query("SELECT 2 AS v")).rows, [{ v: 2 }]);
  });

  it("cancels a statement when the client goes away", async () => {
    const gone = new AbortController();
    const deadline = startDeadline(30_000, gone.signal);
    const pending = runWithDeadline(deadline, () => db.query("SELECT pg_sleep(30)"));
    while ((await sleeping()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    gone.abort(new DeadlineAbort("client_gone"));
    await assert.rejects(pending, (error: unknown) => error instanceof ClientGoneError);
    deadline.dispose();
    await untilNoneSleeping(1_500);
  });

  it("leaves an error of the statement itself as it is, and the connection in the pool", async () => {
    await assert.rejects(
      withDeadline(1_000, () => db.query("SELECT * FROM no_such_table")),
      (error: unknown) =>
        !(error instanceof DependencyError) && (error as { code?: string }).code === "42P01",
    );
    const before = db.pool!.totalCount;
    await db.query("SELECT 1");
    assert.equal(db.pool!.totalCount, before);
  });

  it("bounds a transaction's statements the same way, and rolls nothing back on a dead connection", async () => {
    await assert.rejects(
      withDeadline(300, () => db.transaction(async (tx) => tx.query("SELECT pg_sleep(30)"))),
      (error: unknown) => error instanceof DependencyError && error.failure === "timeout",
    );
    await untilNoneSleeping(1_500);
    assert.deepEqual(await db.transaction(async (tx) => (await tx.query("SELECT 3 AS v")).rows), [{ v: 3 }]);
  });

  it("refuses at once when the deadline is already over", async () => {
    const deadline = startDeadline(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await assert.rejects(
      runWithDeadline(deadline, () => db.query("SELECT 1")),
      (error: unknown) => error instanceof DependencyError && error.failure === "timeout",
    );
  });

  it("says an unreachable server is unavailable", async () => {
    const away = await openDatabase({
      name: "away",
      url: "postgres://pilotage@127.0.0.1:9/none",
      pgliteDataDir: "memory://",
      limits: databaseLimits(2_000),
    });
    try {
      await assert.rejects(
        away.query("SELECT 1"),
        (error: unknown) => error instanceof DependencyError && error.failure === "unavailable",
      );
    } finally {
      await away.close();
    }
  });
  it("survives the server ending a connection while it is checked out between two statements (a restart's 57P01): a 503, the process goes on", async () => {
    const answer = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      // What a Postgres restart does to every connection: FATAL 57P01, here while no statement runs on it.
      await observer.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx.query("SELECT 1");
    });
    await assert.rejects(answer, (error: unknown) => {
      assert.ok(error instanceof DependencyError, String(error));
      assert.deepEqual(
        [error.status, error.dependencyName, error.failure],
        [503, "gateway_database", "unavailable"],
      );
      return true;
    });
    assert.deepEqual((await db.query("SELECT 1 AS n")).rows, [{ n: 1 }]);
  });
});
