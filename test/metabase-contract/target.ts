import type { Context } from "mocha";
import { DEFAULT_WAREHOUSE_DATABASE } from "../../src/env-schema.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { createMetabaseTestServer, type MetabaseTestServer } from "../support/metabase-server/index.js";
import {
  featuresOf,
  parseVersion,
  PINNED_VERSIONS,
  type MetabaseVersion,
  type VersionFeatures,
} from "../support/metabase-server/version.js";
import { FIXTURE_SQL, FIXTURE_TABLE } from "../support/metabase-server/fixture.js";
import { contractMode, liveMetabaseSettings } from "../support/metabase-live.js";
import { createTestDatabase } from "../support/services.js";
import { MetabaseClient } from "./client.js";

/**
 * The fixture provider of the Metabase contract suite: one "target" per describe block. In `npm test`
 * the target is the Metabase test server pretending to be each pinned version (v0.50.3, v0.53.9, v0.57.2)
 * over a throw-away Postgres warehouse; under `npm run test:metabase-live` it is the real Metabase named by
 * METABASE_URL.
 */

export const TEST_SERVER_VERSIONS = PINNED_VERSIONS;
export { FIXTURE_TABLE };

export interface ContractTarget {
  label: string;
  mode: "test-server" | "live";
  version: MetabaseVersion;
  features: VersionFeatures;
  admin: MetabaseClient;
  /** Undefined on a live Metabase unless METABASE_NON_ADMIN_API_KEY is set. */
  nonAdmin: MetabaseClient | undefined;
  anonymous: MetabaseClient;
  secret: string;
  databaseId: number;
  databaseName: string;
  /** Field ids of the fixture table, when the target's warehouse has it. */
  fixture: { tableId: number; fields: Record<string, number> } | undefined;
  /** A fresh collection holding everything this target's tests create. */
  collectionId: number;
  login: { username: string; password: string } | undefined;
  /** Only on the test server: its state and helpers, and the warehouse it runs SQL against. */
  server: MetabaseTestServer | undefined;
  warehouse: Database | undefined;
  /** Switches static embedding on or off globally; false when the instance refuses (set by environment variable). */
  setGlobalEmbedding(on: boolean): Promise<boolean>;
  close(): Promise<void>;
}

interface TargetSpec {
  label: string;
  open(): Promise<ContractTarget | undefined>;
}

async function finishTarget(
  base: Omit<ContractTarget, "databaseId" | "fixture" | "collectionId" | "close" | "setGlobalEmbedding">,
  cleanup: () => Promise<void>,
): Promise<ContractTarget> {
  const databases = await base.admin.ok("GET", "/api/database");
  const db = (databases.data as { id: number; name: string }[]).find((d) => d.name === base.databaseName);
  if (!db) throw new Error(`${base.label}: no database named "${base.databaseName}" in GET /api/database`);
  const metadata = await base.admin.ok("GET", `/api/database/${db.id}/metadata`);
  const table = (
    metadata.tables as { id: number; name: string; fields: { id: number; name: string }[] }[]
  ).find((t) => t.name === FIXTURE_TABLE);
  const fixture = table
    ? { tableId: table.id, fields: Object.fromEntries(table.fields.map((f) => [f.name, f.id])) }
    : undefined;
  const collection = await base.admin.ok("POST", "/api/collection", {
    name: `Contrat Metabase ${new Date().toISOString()} ${Math.random().toString(36).slice(2, 8)}`,
  });

  const setting = base.features.embeddingSetting;
  let changedToggle = false;
  const setGlobalEmbedding = async (on: boolean) => {
    if (base.server) {
      base.server.setSetting(setting, on);
      return true;
    }
    const settings = await base.admin.get("/api/setting");
    const entry = (settings.json as { key: string; is_env_setting?: boolean }[] | undefined)?.find(
      (s) => s.key === setting,
    );
    if (!entry || entry.is_env_setting) return false;
    const answer = await base.admin.put(`/api/setting/${setting}`, { value: on });
    if (answer.status !== 204 && answer.status !== 200) return false;
    changedToggle = !on;
    return true;
  };

  return {
    ...base,
    databaseId: db.id,
    fixture,
    collectionId: collection.id,
    setGlobalEmbedding,
    async close() {
      if (base.mode === "live") {
        if (changedToggle) await setGlobalEmbedding(true);
        // Everything the suite created goes to the Trash with its collection.
        await base.admin.put(`/api/collection/${collection.id}`, { archived: true });
      }
      await cleanup();
    },
  };
}

function testServerSpec(versionTag: string): TargetSpec {
  return {
    label: `test server ${versionTag}`,
    async open() {
      const database = await createTestDatabase("mbc");
      let warehouse: Database | undefined;
      let server: MetabaseTestServer | undefined;
      try {
        warehouse = await openDatabase({ name: "warehouse", url: database.url, pgliteDataDir: "memory://" });
        await warehouse.exec(FIXTURE_SQL);
        server = await createMetabaseTestServer({
          version: versionTag,
          warehouse,
          warehouseName: DEFAULT_WAREHOUSE_DATABASE,
        });
        const version = parseVersion(versionTag);
        const running = server;
        const openWarehouse = warehouse;
        return await finishTarget(
          {
            label: `test server ${versionTag}`,
            mode: "test-server",
            version,
            features: featuresOf(version),
            admin: new MetabaseClient(server.url, server.adminApiKey),
            nonAdmin: new MetabaseClient(server.url, server.nonAdminApiKey),
            anonymous: new MetabaseClient(server.url, undefined),
            secret: server.embeddingSecretKey!,
            databaseName: DEFAULT_WAREHOUSE_DATABASE,
            login: { username: server.admin.email, password: server.admin.password },
            server,
            warehouse,
          },
          async () => {
            await running.close();
            await openWarehouse.close();
            await database.drop();
          },
        );
      } catch (error) {
        await server?.close();
        await warehouse?.close();
        await database.drop();
        throw error;
      }
    },
  };
}

let skipNoticeShown = false;

function liveSpec(): TargetSpec {
  return {
    label: "live Metabase",
    async open() {
      const settings = liveMetabaseSettings();
      if (!settings) {
        if (!skipNoticeShown) {
          skipNoticeShown = true;
          console.log(
            "\n  METABASE_URL is not set: the live Metabase contract suite is skipped.\n" +
              "  Set METABASE_URL, METABASE_API_KEY (Administrators group) and METABASE_EMBEDDING_SECRET_KEY to run it\n" +
              "  (see README, « Metabase contract »).\n",
          );
        }
        return undefined;
      }
      const admin = new MetabaseClient(settings.url, settings.apiKey);
      const properties = await admin.ok("GET", "/api/session/properties");
      const version = parseVersion(String(properties.version?.tag));
      return finishTarget(
        {
          label: `live Metabase ${version.tag} at ${settings.url}`,
          mode: "live",
          version,
          features: featuresOf(version),
          admin,
          nonAdmin: settings.nonAdminApiKey
            ? new MetabaseClient(settings.url, settings.nonAdminApiKey)
            : undefined,
          anonymous: new MetabaseClient(settings.url, undefined),
          secret: settings.embeddingSecretKey,
          databaseName: settings.databaseName,
          login:
            settings.username && settings.password
              ? { username: settings.username, password: settings.password }
              : undefined,
          server: undefined,
          warehouse: undefined,
        },
        async () => {},
      );
    },
  };
}

function specs(): TargetSpec[] {
  return contractMode() === "live" ? [liveSpec()] : TEST_SERVER_VERSIONS.map(testServerSpec);
}

/** One `describe` per target; the body gets the target once it is open. */
export function describeContract(title: string, body: (target: () => ContractTarget) => void): void {
  for (const spec of specs()) {
    describe(`${title} — ${spec.label}`, function () {
      let target: ContractTarget | undefined;
      before(async function () {
        this.timeout(60_000);
        target = await spec.open();
        if (!target) this.skip();
      });
      after(async () => {
        await target?.close();
      });
      body(() => {
        if (!target) throw new Error("contract target not open");
        return target;
      });
    });
  }
}

/**
 * Whether the target is at least this Metabase version. Version rules are asserted against the version itself,
 * never against the test server's own feature thresholds, which would let a wrong threshold check itself.
 */
export function atLeast(target: ContractTarget, major: number, minor = 0): boolean {
  return target.version.major > major || (target.version.major === major && target.version.minor >= minor);
}

/** For rules only the test server can show (its internal state, a setting a real instance will not let go). */
export function testServerOnly(ctx: Context, target: ContractTarget): MetabaseTestServer {
  if (!target.server) ctx.skip();
  return target.server!;
}

/** For tests that need the fixture table (field filters). */
export function fixtureOf(
  ctx: Context,
  target: ContractTarget,
): { tableId: number; fields: Record<string, number> } {
  if (!target.fixture) {
    console.log(`    (${target.label} has no table ${FIXTURE_TABLE}: field-filter test skipped)`);
    ctx.skip();
  }
  return target.fixture!;
}
