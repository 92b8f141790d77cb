import assert from "node:assert/strict";
import pg from "pg";
import { createApp } from "../../src/app.js";
import { startServer } from "../../src/server.js";
import type { Browser } from "../support/login.js";
import {
  DDETS,
  DEADLINE_MS,
  DGEFP,
  EXPORT_CONCURRENCY,
  SLACK_MS,
  type FaultEnvironment,
} from "./environment.js";

const EXPORT = "/api/questions/iae%2Fcandidatures-par-etat/data?format=csv";
/** Every card of this dashboard reads entrepot.candidatures, the table the cases lock. */
const CANDIDATURES_PAGE = "/tableaux-de-bord/candidatures-recues-par-les-siae";
/** No card of this one does. */
const PASS_IAE_PAGE = "/tableaux-de-bord/pass-iae";
const BUSY_MESSAGE =
  "Trop d'exports sont en cours : le vôtre n'a pas pu commencer. Réessayez dans quelques instants.";

/**
 * The warehouse kept busy by a lock on entrepot.candidatures (held by a session of the suite): the
 * queries that read it wait, visible in pg_stat_activity, as a long national export or a slow page would.
 */
export function cancellationAndIsolationCases(env: () => FaultEnvironment): void {
  let lock: pg.Client | undefined;

  async function holdLock(): Promise<void> {
    lock = new pg.Client({ connectionString: env().warehouseUrl, application_name: "faults-lock" });
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("LOCK TABLE entrepot.candidatures IN ACCESS EXCLUSIVE MODE");
  }
  async function releaseLock(): Promise<void> {
    await lock?.query("ROLLBACK");
    await lock?.end();
    lock = undefined;
  }

  /** The gateway's queries on entrepot.candidatures running now (any of its pools: pages, exports). */
  async function running(waitingOnLock = false): Promise<number> {
    const { rows } = await env().warehouseAdmin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name LIKE 'pilotage-warehouse%' AND state = 'active' AND query LIKE '%entrepot.candidatures%'
          AND ($1::boolean IS FALSE OR wait_event_type = 'Lock')`,
      [waitingOnLock],
    );
    return rows[0]!.n;
  }
  async function until(what: string, check: () => Promise<boolean>, withinMs: number): Promise<number> {
    const started = performance.now();
    while (!(await check())) {
      if (performance.now() - started > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return Math.round(performance.now() - started);
  }

  /** Starts a request and drops it (the client goes away) once its query waits in the warehouse. */
  async function dropWhenWaiting(
    browser: Browser,
    url: string,
    beforeDrop?: () => Promise<void>,
  ): Promise<void> {
    const client = new AbortController();
    const pending = browser.request(url, { signal: client.signal }).catch(() => undefined);
    await until(`${url} waiting in the warehouse`, async () => (await running(true)) > 0, 10_000);
    await beforeDrop?.();
    client.abort();
    await pending;
  }

  afterEach(async () => {
    if (lock) await releaseLock();
  });

  describe("cancellation", () => {
    for (const format of ["csv", "json", "xlsx"] as const) {
      it(`a dropped ${format.toUpperCase()} download leaves no query running on the warehouse (its statement timeout is 30 s)`, async () => {
        const e = env();
        const dgefp = await e.as(DGEFP);
        const url = e.url(EXPORT.replace("format=csv", `format=${format}`));
        const { rows: last } = await e.gatewayAdmin.query<{ id: number }>(
          "SELECT coalesce(max(id), 0)::int AS id FROM audit_log",
        );
        await holdLock();
        await dropWhenWaiting(dgefp, url, async () => {
          // The query waits on a connection of the export pool, not of the pages' pool.
          const { rows: pools } = await e.warehouseAdmin.query<{ pool: string }>(
            `SELECT DISTINCT application_name AS pool FROM pg_stat_activity
              WHERE application_name LIKE 'pilotage-warehouse%' AND state = 'active'
                AND query LIKE '%entrepot.candidatures%'`,
          );
          assert.deepEqual(pools, [{ pool: "pilotage-warehouse-stream" }]);
        });
        const ms = await until("the export's query cancelled", async () => (await running()) === 0, 5_000);
        e.timings.push({
          fault: `client gone (${format} export)`,
          request: "query cancelled",
          status: "cancelled",
          ms,
          limitMs: 0,
        });
        await releaseLock();
        // The export's outcome was still audited, after the client left.
        const outcome = async () =>
          (
            await e.gatewayAdmin.query<{ format: string; reason: string }>(
              `SELECT details->>'format' AS format, details->>'reason' AS reason FROM audit_log
                WHERE action = 'export.failed' AND id > $1 ORDER BY id`,
              [last[0]!.id],
            )
          ).rows;
        await until("the export's outcome audited", async () => (await outcome()).length > 0, 5_000);
        assert.deepEqual(await outcome(), [{ format, reason: "aborted" }]);
      });
    }

    it("a page left before its answer has its card queries cancelled, not left to the deadline", async () => {
      const e = env();
      const agent = await e.as(DDETS);
      // A gateway whose deadline would keep the queries 30 s: only the client's departure can end them.
      const config = { ...e.stack.config, limits: { requestDeadlineMs: 30_000 } };
      const patient = await startServer(createApp({ ...e.stack.testStack.deps, config }), 0, "127.0.0.1");
      try {
        await holdLock();
        await dropWhenWaiting(agent, `${patient.url}${CANDIDATURES_PAGE}`);
        // Well before the page pool's own statement_timeout (the deadline), which would end them anyway.
        const ms = await until(
          "the page's queries cancelled",
          async () => (await running()) === 0,
          DEADLINE_MS - 500,
        );
        e.timings.push({
          fault: "client gone (page)",
          request: "queries cancelled",
          status: "cancelled",
          ms,
          limitMs: 0,
        });
      } finally {
        await releaseLock();
        await patient.stop(1_000);
      }
    });
  });

  describe("isolation", () => {
    it(`${EXPORT_CONCURRENCY} national exports fill the export pool: the next one is refused at once (503), a dashboard page still answers within its deadline`, async () => {
      const e = env();
      const dgefp = await e.as(DGEFP);
      await holdLock();
      const exports = Array.from({ length: EXPORT_CONCURRENCY }, () =>
        dgefp.request(e.url(EXPORT)).then(async (response) => ({
          status: response.status,
          headers: response.headers,
          body: await response.text(),
        })),
      );
      await until("the export pool full", async () => (await running(true)) === EXPORT_CONCURRENCY, 10_000);
      const fault = "export pool full";
      const [busy, page] = await Promise.all([
        e.timed(fault, `GET ${EXPORT}`, DEADLINE_MS, (signal) =>
          dgefp.request(e.url(EXPORT), { signal, headers: { accept: "application/json" } }),
        ),
        e.timed(fault, `GET ${PASS_IAE_PAGE}`, DEADLINE_MS, (signal) =>
          dgefp.request(e.url(PASS_IAE_PAGE), { signal }),
        ),
      ]);
      assert.equal(busy.status, 503);
      assert.equal(busy.headers.get("retry-after"), "5");
      assert.deepEqual(JSON.parse(busy.body), {
        error: "export_busy",
        message: BUSY_MESSAGE,
        requestId: busy.headers.get("x-request-id"),
      });
      assert.equal(page.status, 200);
      assert.ok(page.ms <= DEADLINE_MS + SLACK_MS);
      e.ledger.record(`${fault}: ${PASS_IAE_PAGE}`, page, "embed");
      assert.ok((await e.dependencyErrors("warehouse", "busy")) >= 1);

      await releaseLock();
      for (const done of await Promise.all(exports)) {
        assert.equal(done.status, 200);
        assert.match(done.body, /^\uFEFF?etat,candidatures,part_pct\n/);
        e.ledger.record(`${fault}: ${EXPORT} (waited for the lock)`, done, "export");
      }
    });
  });
}
