import assert from "node:assert/strict";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { asSubquery } from "../../src/template/index.js";

describe("asSubquery: a question's SQL wrapped untouched", () => {
  let db: Database;
  before(async () => (db = await openDatabase({ name: "t", url: undefined, pgliteDataDir: "memory://" })));
  after(() => db.close());

  for (const sql of [
    "SELECT 1 AS un",
    "SELECT 1 AS un;",
    "SELECT 1 AS un -- la fin de la question",
    "SELECT 1 AS un; -- la fin de la question",
    "SELECT 1 AS un;\n-- une note\n-- une autre\n",
    "SELECT ';' AS un -- un point-virgule dans une chaîne reste",
  ]) {
    it(`under a row cap: ${JSON.stringify(sql)}`, async () => {
      const { rows } = await db.query(`SELECT * FROM ${asSubquery(sql)} AS export LIMIT 2`);
      assert.equal(rows.length, 1);
    });
  }
});
