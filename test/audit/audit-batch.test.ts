import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { createAuditBatcher, type RowCondition } from "../../src/audit/audit-batch.js";
import { readAudit, writeAudit, type AuditEntry } from "../../src/audit/audit-log.js";
import { withDeadline } from "../../src/deadline.js";
import { DependencyError } from "../../src/errors.js";
import type { Database, Queryable } from "../../src/storage/database.js";
import { migratedDatabaseImplementations } from "../support/gateway-database.js";

/**
 * Group commit of the audit rows (src/audit/audit-batch.ts): concurrent rows share one INSERT, each
 * request learns its own row's id (or that its condition did not hold) only once that statement has
 * committed, and a failed batch fails every request in it (invariant 5 stays fail-closed).
 */
const entry = (requestId: string): AuditEntry => ({
  action: "embed.token_issued",
  actor: { sub: "sub-1", email: "agent@demo.pilotage.test" },
  profileKind: "ddets",
  organisationId: "institution:1",
  resource: { kind: "dashboard", key: "pass-iae", id: "42" },
  lockedValues: { departement: ["93"], 'quote " and {braces}': "'" },
  details: { expiresAt: "2026-11-29T10:10:00.000Z", preview: false },
  requestId,
});

/** Whether this row's flag is on: a condition over the row's own values, as the embed service's. */
const flagged = (name: string): RowCondition => ({
  sql: "EXISTS (SELECT 1 FROM audit_test_flag WHERE name = r.c1 AND on_)",
  values: [name],
});

function counting(db: Queryable): Queryable & { statements: number } {
  const counted = {
    statements: 0,
    query: ((sql, params, options) => {
      counted.statements++;
      return db.query(sql, params, options);
    }) as Queryable["query"],
  };
  return counted;
}

for (const [name, open] of migratedDatabaseImplementations("audit_batch")) {
  describe(`audit rows group-committed, on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
      await db.exec(
        "CREATE TABLE audit_test_flag (name text PRIMARY KEY, on_ boolean NOT NULL); INSERT INTO audit_test_flag VALUES ('on', true), ('off', false)",
      );
    });
    after(() => cleanup());

    it("writes a lone row at once, in its own statement", async () => {
      const counted = counting(db);
      const id = await createAuditBatcher(counted).write(entry("lone"));
      const [row] = await readAudit(db, { limit: 1 });
      assert.equal(counted.statements, 1);
      assert.deepEqual(
        [row?.id, row?.requestId, row?.lockedValues, row?.details, row?.actorEmail, row?.resourceId],
        [
          id,
          "lone",
          { departement: ["93"], 'quote " and {braces}': "'" },
          { expiresAt: "2026-11-29T10:10:00.000Z", preview: false },
          "agent@demo.pilotage.test",
          "42",
        ],
      );
    });

    it("stores every value as the one-row INSERT does: quotes, backslashes, accents, an emoji, a lone surrogate, nulls", async () => {
      const awkward = (requestId: string): AuditEntry => ({
        action: "embed.token_issued",
        actor: { sub: 'sub "quoted" \\ back\\slash', email: "prénom.nom+é@exemple.fr 🎯 \ud800" },
        resource: { kind: "dashboard", key: "clé-{accolades}-,virgule", id: undefined },
        lockedValues: { departement: ["2A", "2B"], 'guillemet "': "\\" },
        details: { note: "ligne\nsuivante\t🎯" },
        requestId,
      });
      await writeAudit(db, awkward("awkward-plain"));
      await Promise.all([
        createAuditBatcher(db).write(awkward("awkward-batched")),
        createAuditBatcher(db).write(entry("awkward-neighbour")),
      ]);
      const rows = await readAudit(db, { limit: 10 });
      const stored = (requestId: string) => {
        const row = rows.find((r) => r.requestId === requestId);
        assert.ok(row, requestId);
        const { id: _id, occurredAt: _at, requestId: _request, ...values } = row;
        return values;
      };
      assert.deepEqual(stored("awkward-batched"), stored("awkward-plain"));
      assert.equal(stored("awkward-batched").actorEmail, "prénom.nom+é@exemple.fr 🎯 \ufffd");
      assert.equal(stored("awkward-batched").profileKind, null);
      assert.equal(stored("awkward-batched").resourceId, null);
    });

    it("shares statements between concurrent rows, and gives each request its own row's id", async () => {
      const counted = counting(db);
      const batcher = createAuditBatcher(counted);
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => batcher.write(entry(`r${i}`))));
      // Written in the same turn of the event loop: one statement for all of them.
      assert.equal(counted.statements, 1, `${counted.statements} statements for 30 rows`);
      const rows = await readAudit(db, { limit: 30 });
      const byRequest = new Map(rows.map((row) => [row.requestId, row.id]));
      ids.forEach((id, i) => assert.equal(byRequest.get(`r${i}`), id, `r${i}`));
      assert.equal(new Set(ids).size, 30);
    });

    it("checks each row's condition in the statement that writes it: no row where it does not hold", async () => {
      const batcher = createAuditBatcher(db);
      const before = (await readAudit(db, { limit: 1000 })).length;
      const [a, b, c] = await Promise.all([
        batcher.write(entry("cond-a"), flagged("on")),
        batcher.write(entry("cond-b"), flagged("off")),
        batcher.write(entry("cond-c"), flagged("on")),
      ]);
      assert.equal(typeof a, "number");
      assert.equal(b, undefined);
      assert.equal(typeof c, "number");
      const rows = await readAudit(db, { limit: 1000 });
      assert.equal(rows.length, before + 2);
      assert.deepEqual(
        rows.filter((r) => r.requestId?.startsWith("cond-")).map((r) => [r.requestId, r.id]),
        [
          ["cond-c", c],
          ["cond-a", a],
        ],
      );
    });

    it("fails every request of a batch that cannot be written, and writes none of its rows", async () => {
      const batcher = createAuditBatcher(db);
      const before = (await readAudit(db, { limit: 1000 })).length;
      await db.exec(
        "ALTER TABLE audit_log ADD CONSTRAINT audit_test_refuses CHECK (request_id <> 'poison') NOT VALID",
      );
      try {
        // The first row is written alone, in a turn of its own, while the next three come; those three
        // share the next batch, which the poisoned row makes fail as a whole.
        const first = batcher.write(entry("first"));
        await new Promise((resolve) => setImmediate(resolve));
        const outcomes = await Promise.allSettled([
          first,
          batcher.write(entry("fine-1")),
          batcher.write(entry("poison")),
          batcher.write(entry("fine-2")),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ["fulfilled", "rejected", "rejected", "rejected"],
        );
        for (const outcome of outcomes.slice(1))
          assert.match(String((outcome as PromiseRejectedResult).reason), /audit_test_refuses/);
        const rows = await readAudit(db, { limit: 1000 });
        assert.deepEqual(
          rows.slice(0, rows.length - before).map((r) => r.requestId),
          ["first"],
        );
        // The batcher goes on with the next rows.
        assert.equal(typeof (await batcher.write(entry("after"))), "number");
      } finally {
        await db.exec("ALTER TABLE audit_log DROP CONSTRAINT audit_test_refuses");
      }
    });

    it("answers a request at its own deadline (503), leaving the others of its batch alone", async () => {
      const slow: Queryable = {
        query: async (sql, params, options) => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          return db.query(sql, params, options);
        },
      };
      const batcher = createAuditBatcher(slow);
      const [hurried, patient] = await Promise.allSettled([
        withDeadline(30, () => batcher.write(entry("hurried"))),
        withDeadline(5_000, () => batcher.write(entry("patient"))),
      ]);
      assert.equal(hurried.status, "rejected");
      const error = (hurried as PromiseRejectedResult).reason as DependencyError;
      assert.ok(error instanceof DependencyError);
      assert.deepEqual(
        [error.status, error.dependencyName, error.failure],
        [503, "gateway_database", "timeout"],
      );
      assert.equal(patient.status, "fulfilled");
      assert.equal(typeof (patient as PromiseFulfilledResult<number | undefined>).value, "number");
    });

    it("writes outside the context of the request that started the batch", async () => {
      const request = new AsyncLocalStorage<string>();
      const seen: Array<string | undefined> = [];
      const observed: Queryable = {
        query: (sql, params, options) => {
          seen.push(request.getStore());
          return db.query(sql, params, options);
        },
      };
      const batcher = createAuditBatcher(observed);
      await request.run("request-1", () => batcher.write(entry("ctx")));
      assert.deepEqual(seen, [undefined]);
    });
  });
}
