import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import type { Database } from "../../src/storage/database.js";
import { openRedis } from "../../src/storage/redis.js";
import { createLoadMarkerReader } from "../../src/warehouse/load-marker.js";
import { bindVerifiedDashboard } from "../support/embed-binding.js";
import { sessionKeyOf, startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { loginAs, type Browser } from "../support/login.js";
import { openMigratedGateway } from "../support/gateway-database.js";
import { testServices } from "../support/services.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * Issue 20: an embed token costs at most one Postgres and one Redis round trip — the session's GET and
 * the audit row's INSERT (which also checks the dashboard is still verified). Counted on the real
 * services: every statement the gateway's two databases receive through their handles, and every
 * command the test Redis receives (MONITOR), while a logged-in agent renews the same embed URL.
 */
const EMAIL = "agent.ddets93@demo.pilotage.test";
const DASHBOARD = "candidatures-recues-par-les-siae";
const TOKENS = 5;

/** The same database, each statement sent through it noted (its first words) before it goes. */
function counted(db: Database, sent: string[]): Database {
  const noted = new Set(["query", "exec", "transaction", "copyFrom", "ping"]);
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!noted.has(String(property))) return value.bind(target);
      return (...args: unknown[]) => {
        const first = typeof args[0] === "string" ? args[0] : "";
        sent.push(
          `${String(property)}: ${first.replace(/\s+/g, " ").trim().split(" ").slice(0, 3).join(" ")}`,
        );
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("embed token round trips (issue 20)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let gatewayDb: Database;
  let warehouse: Database;
  let drop: () => Promise<void>;
  let monitor: Redis;
  let browser: Browser;
  const statements: string[] = [];
  const commands: string[] = [];

  before(async () => {
    const created = await openMigratedGateway("embed_rt");
    ({ db: gatewayDb, drop: drop } = created);
    warehouse = await openTestWarehouse();
    await bindVerifiedDashboard(gatewayDb, DASHBOARD);
    const countedWarehouse = counted(warehouse, statements);
    stack = await startLoginStack({
      db: counted(gatewayDb, statements),
      warehouse: countedWarehouse,
      env: {
        METABASE_SITE_URL: "http://metabase.invalid:3000",
        METABASE_EMBEDDING_SECRET_KEY: "ab".repeat(32),
      },
      // The marker as production reads it (once per interval), an interval the test never reaches.
      deps: { loadMarker: createLoadMarkerReader({ warehouse: countedWarehouse, refreshMs: 600_000 }) },
    });
    browser = await loginAs(stack.baseUrl, EMAIL);
    monitor = openRedis(testServices.redisUrl);
    const watching = await monitor.monitor();
    watching.on("monitor", (_time: string, args: string[]) => commands.push(args.join(" ")));
    // Give the monitor connection time to be in place.
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  after(async () => {
    monitor?.disconnect();
    await stack?.close();
    await gatewayDb?.close();
    await warehouse?.close();
    await drop?.();
  });

  async function embed(): Promise<number> {
    const res = await browser.request(`${stack.baseUrl}/api/dashboards/${DASHBOARD}/embed`);
    await res.arrayBuffer();
    return res.status;
  }

  it("renews an embed URL with one Redis GET (the session) and one Postgres statement (the audit row)", async () => {
    // The first token finds the dashboard's Metabase id (one more statement, once per process).
    assert.equal(await embed(), 200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    statements.length = 0;
    commands.length = 0;

    const statuses: number[] = [];
    for (let i = 0; i < TOKENS; i++) statuses.push(await embed());
    // MONITOR's lines arrive on their own connection: let the last ones in.
    await new Promise((resolve) => setTimeout(resolve, 200));

    assert.deepEqual(statuses, Array<number>(TOKENS).fill(200));
    assert.deepEqual(
      statements,
      Array<string>(TOKENS).fill("query: WITH checked AS"),
      "one statement per token: the audit row, written under the still-verified condition",
    );
    const sessionKey = sessionKeyOf(browser);
    assert.deepEqual(
      commands,
      Array<string>(TOKENS).fill(`get ${sessionKey}`),
      "one Redis command per token: the session's GET (its expiry moves at most once a minute)",
    );
  });
});
