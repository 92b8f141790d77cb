import assert from "node:assert/strict";
import type { Database } from "../../src/storage/database.js";
import { databaseImplementations } from "../support/services.js";

for (const [name, open] of databaseImplementations("dbq")) {
  describe(`prepared statements on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
      await db.exec("CREATE TABLE prepared_test (v integer NOT NULL); INSERT INTO prepared_test VALUES (1)");
    });
    after(() => cleanup());

    const read = () =>
      db.query<{ v: unknown }>("SELECT v FROM prepared_test WHERE v > $1", [0], { prepare: true });
    /** As many at once as the pool has connections, so that every connection prepares it. */
    const readOnEveryConnection = () => Promise.all(Array.from({ length: 12 }, read));

    it("answers the same rows prepared or not", async () => {
      const plain = await db.query("SELECT v FROM prepared_test WHERE v > $1", [0]);
      assert.deepEqual((await read()).rows, plain.rows);
      assert.deepEqual((await read()).rows, plain.rows, "and again, from the prepared statement");
    });

    it("survives a migration that changes a column's type under statements prepared before it", async () => {
      await readOnEveryConnection();
      await db.exec("ALTER TABLE prepared_test ALTER COLUMN v TYPE bigint");
      const after = await readOnEveryConnection();
      for (const result of after) assert.equal(String(result.rows[0]?.v), "1");
      // The stale connections were replaced: the statement prepares again and keeps answering.
      assert.equal(String((await read()).rows[0]?.v), "1");
    });
  });
}
