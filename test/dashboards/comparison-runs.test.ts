import assert from "node:assert/strict";
import { createResultCache } from "../../src/cache/result-cache.js";
import { keepRows, type CardTable } from "../../src/dashboards/card-data.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { memoryCacheStore } from "../../src/storage/cache-store.js";
import type { Database } from "../../src/storage/database.js";
import { createLoadMarkerReader } from "../../src/warehouse/load-marker.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { loginAs } from "../support/login.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * The comparison's card is also a card of the page: both read it with the same SQL (the comparison's
 * row cap), so that through the result cache one page view runs it once, the page keeping its 500 rows.
 */
const DREETS = "agent.dreets-idf@demo.pilotage.test";
/** A line of sql/iae/etp-par-territoire.sql that no other question has. */
const COMPARED_CARD = "annexes.departement_af AS code_departement";

/** The warehouse, counting the runs of the compared card that reach it, and the row cap of the last one. */
function counting(warehouse: Database): {
  db: Database;
  runs: () => number;
  lastLimit: () => string | undefined;
} {
  let runs = 0;
  let lastLimit: string | undefined;
  const db = new Proxy(warehouse, {
    get(target, property) {
      if (property === "query") {
        return (sql: string, ...rest: unknown[]) => {
          if (sql.includes(COMPARED_CARD)) {
            runs++;
            lastLimit = /LIMIT (\d+)\s*$/.exec(sql)?.[1];
          }
          return (target.query as (...args: unknown[]) => unknown)(sql, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, runs: () => runs, lastLimit: () => lastLimit };
}

describe("the comparison's card, run once per page view", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let warehouse: Database;
  let runs: () => number;
  let lastLimit: () => string | undefined;

  before(async () => {
    warehouse = await openTestWarehouse();
    const counted = counting(warehouse);
    runs = counted.runs;
    lastLimit = counted.lastLimit;
    const store = memoryCacheStore({ maxBytes: 8 << 20, maxEntryBytes: 1 << 20 });
    stack = await startLoginStack({
      provider: { accounts: DEMO_ACCOUNTS },
      warehouse: counted.db,
      deps: {
        resultCache: createResultCache({
          store,
          loadMarker: createLoadMarkerReader({ warehouse }),
          ttlSeconds: 3600,
        }),
      },
    });
  });
  after(async () => {
    await stack?.close();
    await warehouse.close();
  });

  it("reads the card once for the page's table and the comparison, through the result cache", async () => {
    const dreets = await loginAs(stack.baseUrl, DREETS);
    for (const [path, expected] of [
      ["/tableaux-de-bord/etp-conventionnes-et-realises", 1],
      // Narrowed to a département: the page and the comparison (its bassins) read the same rows again.
      ["/tableaux-de-bord/etp-conventionnes-et-realises?departement=93", 1],
    ] as const) {
      const before = runs();
      const page = await dreets.follow(`${stack.baseUrl}${path}`);
      assert.equal(page.status, 200);
      assert.match(page.text, /id="comparaison"/, path);
      assert.equal(runs() - before, expected, path);
    }
  });

  it("reads with the page's own cap where no comparison runs", async () => {
    // One département: nothing to compare, so the card is read for the page's table alone.
    const ddets = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
    const before = runs();
    const page = await ddets.follow(`${stack.baseUrl}/tableaux-de-bord/etp-conventionnes-et-realises`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /id="comparaison"/);
    assert.equal(runs() - before, 1);
    assert.equal(lastLimit(), "501");
  });
});

describe("a card read with the comparison's cap, kept to the page's", () => {
  const table = (rows: number, truncated = false): CardTable => ({
    columns: [],
    rows: Array.from({ length: rows }, (_, i) => [i]),
    truncated,
  });
  it("keeps the first rows and says there were more, exactly as a read with the page's cap would", () => {
    assert.deepEqual(keepRows(table(5), 3), { columns: [], rows: [[0], [1], [2]], truncated: true });
    assert.deepEqual(keepRows(table(3), 3), table(3));
    assert.deepEqual(keepRows(table(3, true), 500), table(3, true));
  });
});
