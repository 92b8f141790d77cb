import { randomBytes } from "node:crypto";
import type { Database } from "../../../src/storage/database.js";
import { DEFAULT_WAREHOUSE_DATABASE } from "../../../src/env-schema.js";
import { startServer } from "../../../src/server.js";
import { createMetabaseApp } from "./app.js";
import type { ServerContext } from "./context.js";
import type { EmbeddingStatus } from "./embed-params.js";
import type { ExecutedQuery } from "./query.js";
import { metabaseRenderer, type NativeRenderer } from "./renderer.js";
import { setCollectionArchived, writeSetting } from "./rest-routes.js";
import { MetabaseState, nowIso, type Card, type Dashboard } from "./state.js";
import { featuresOf, parseVersion, type MetabaseVersion, type VersionFeatures } from "./version.js";
import { syncWarehouseTables, type WarehouseScope } from "./warehouse.js";

/**
 * A Metabase-compatible HTTP server for tests and manual exploration (metabase-contract.md §6, "Fake
 * Metabase"): the REST API the sync uses and the static-embedding endpoints, with Metabase's statuses,
 * bodies and messages, running card SQL against a real warehouse. Test infrastructure only: src/ never
 * imports it.
 */

export interface MetabaseTestServerOptions {
  /** The version it pretends to be, e.g. `v0.50.3` (≤ 50 shapes) or `v0.57.2` (≥ 57 shapes). Default v0.57.2. */
  version?: string;
  /** The database whose SQL cards run against (pg or PGlite). */
  warehouse: Database;
  /** The name it reports in `GET /api/database`. Default: the sync's default, `Entrepôt Pilotage`. */
  warehouseName?: string;
  /** Which schemas or tables the "sync" exposes as tables and fields. Default: schema `public`. */
  warehouseScope?: WarehouseScope;
  /** The global static-embedding toggle at start. Default true. */
  embedding?: boolean;
  /** The embedding secret key; `null` leaves it unset. Default: 64 random hex characters. */
  embeddingSecretKey?: string | null;
  /**
   * How card SQL is rendered: by default the server's own reading of Metabase's source (`native-query/`); the
   * sync tests also pass the gateway's renderer (test/support/gateway-renderer.ts) to compare the two.
   */
  render?: NativeRenderer;
  /** Metabase's report time zone (relative dates, date-time filters). Default UTC. */
  reportTimezone?: string;
  /** Clock in milliseconds (default `Date.now`), to test expiry without waiting. */
  now?: () => number;
  port?: number;
  host?: string;
}

export interface MetabaseTestServer {
  url: string;
  version: MetabaseVersion;
  features: VersionFeatures;
  adminApiKey: string;
  nonAdminApiKey: string;
  /** The key tokens must be signed with (undefined when unset). */
  readonly embeddingSecretKey: string | undefined;
  admin: { email: string; password: string };
  warehouseDatabaseId: number;
  /** The application database, for tests that inspect what a client did. */
  state: MetabaseState;
  /** Every query run through `/api/embed`, with its SQL and bound values. */
  queries: ExecutedQuery[];
  /** Edits a card as someone would in Metabase's UI (no permission check, no validation). */
  editCard(id: number, patch: Partial<Omit<Card, "id">>): Card;
  editDashboard(id: number, patch: Partial<Omit<Dashboard, "id">>): Dashboard;
  archiveCard(id: number, archived?: boolean): void;
  archiveDashboard(id: number, archived?: boolean): void;
  archiveCollection(id: number, archived?: boolean): void;
  /** Sets (or, with `undefined`, removes) one `embedding_params` entry of a card or dashboard. */
  setEmbeddingParam(
    model: "card" | "dashboard",
    id: number,
    slug: string,
    status: EmbeddingStatus | undefined,
  ): void;
  /** Writes a setting through the same setter as `PUT /api/setting/:key`. */
  setSetting(key: string, value: unknown): void;
  /** Re-reads the warehouse's tables, as Metabase's sync would (ids of known fields stay). */
  syncWarehouse(): Promise<void>;
  close(): Promise<void>;
}

export const SAMPLE_DATABASE_ID = 1;
export const WAREHOUSE_DATABASE_ID = 2;

function apiKey(): string {
  return `mb_${randomBytes(24).toString("base64url")}`;
}

export async function createMetabaseTestServer(
  options: MetabaseTestServerOptions,
): Promise<MetabaseTestServer> {
  const version = parseVersion(options.version ?? "v0.57.2");
  const features = featuresOf(version);
  const state = new MetabaseState();
  const created = nowIso();

  const admin = { email: "admin@metabase.test", password: randomBytes(12).toString("base64url") };
  state.users.set(1, {
    id: 1,
    email: admin.email,
    first_name: "Admin",
    last_name: "Metabase",
    is_superuser: true,
  });
  state.passwords.set(1, admin.password);
  state.users.set(2, {
    id: 2,
    email: "api-key-admin@api-key.invalid",
    first_name: "Admin",
    last_name: "API key",
    is_superuser: true,
  });
  state.users.set(3, {
    id: 3,
    email: "api-key-sync@api-key.invalid",
    first_name: "Sync",
    last_name: "API key",
    is_superuser: false,
  });
  const adminApiKey = apiKey();
  const nonAdminApiKey = apiKey();
  state.apiKeys.set(adminApiKey, 2);
  state.apiKeys.set(nonAdminApiKey, 3);

  // Metabase ships a sample database with id 1: the warehouse gets another id, so that clients look it up
  // by name instead of assuming an id.
  state.databases.set(SAMPLE_DATABASE_ID, {
    id: SAMPLE_DATABASE_ID,
    name: "Sample Database",
    engine: "h2",
    is_sample: true,
    tables: [],
    created_at: created,
  });
  state.databases.set(WAREHOUSE_DATABASE_ID, {
    id: WAREHOUSE_DATABASE_ID,
    name: options.warehouseName ?? DEFAULT_WAREHOUSE_DATABASE,
    engine: "postgres",
    is_sample: false,
    tables: [],
    created_at: created,
  });
  if (features.trash) state.trashCollectionId = state.nextId("collection");
  const counters = { table: 0, field: 0 };
  const syncWarehouse = async () => {
    const db = state.databases.get(WAREHOUSE_DATABASE_ID)!;
    db.tables = await syncWarehouseTables(
      options.warehouse,
      WAREHOUSE_DATABASE_ID,
      options.warehouseScope ?? {},
      db.tables,
      counters,
    );
  };
  await syncWarehouse();

  const clock = options.now ?? Date.now;
  const queries: ExecutedQuery[] = [];
  const ctx: ServerContext = {
    state,
    version,
    features,
    warehouse: options.warehouse,
    warehouseDatabaseId: WAREHOUSE_DATABASE_ID,
    render: options.render ?? metabaseRenderer,
    timeZone: options.reportTimezone ?? "UTC",
    queryLog: queries,
    nowSeconds: () => Math.floor(clock() / 1000),
    syncWarehouse,
  };

  if (options.embeddingSecretKey !== null) {
    writeSetting(ctx, "embedding-secret-key", options.embeddingSecretKey ?? randomBytes(32).toString("hex"));
  }
  if (options.embedding ?? true) writeSetting(ctx, features.embeddingSetting, true);

  const running = await startServer(createMetabaseApp(ctx), options.port ?? 0, options.host ?? "127.0.0.1");
  state.settings.set("site-url", running.url);

  const card = (id: number) => {
    const found = state.cards.get(id);
    if (!found) throw new Error(`No card ${id} on the Metabase test server`);
    return found;
  };
  const dashboard = (id: number) => {
    const found = state.dashboards.get(id);
    if (!found) throw new Error(`No dashboard ${id} on the Metabase test server`);
    return found;
  };

  return {
    url: running.url,
    version,
    features,
    adminApiKey,
    nonAdminApiKey,
    get embeddingSecretKey() {
      const secret = state.settings.get("embedding-secret-key");
      return typeof secret === "string" ? secret : undefined;
    },
    admin,
    warehouseDatabaseId: WAREHOUSE_DATABASE_ID,
    state,
    queries,
    editCard(id, patch) {
      return Object.assign(card(id), patch, { updated_at: nowIso() });
    },
    editDashboard(id, patch) {
      return Object.assign(dashboard(id), patch, { updated_at: nowIso() });
    },
    archiveCard(id, archived = true) {
      Object.assign(card(id), { archived, archived_directly: archived });
    },
    archiveDashboard(id, archived = true) {
      Object.assign(dashboard(id), { archived, archived_directly: archived });
    },
    archiveCollection(id, archived = true) {
      const collection = state.collections.get(id);
      if (!collection) throw new Error(`No collection ${id} on the Metabase test server`);
      setCollectionArchived(ctx, collection, archived);
    },
    setEmbeddingParam(model, id, slug, status) {
      const object = model === "card" ? card(id) : dashboard(id);
      const params = { ...(object.embedding_params ?? {}) };
      if (status === undefined) delete params[slug];
      else params[slug] = status;
      object.embedding_params = params;
    },
    setSetting(key, value) {
      writeSetting(ctx, key, value);
    },
    syncWarehouse,
    close: () => running.stop(1_000),
  };
}

export type { ExecutedQuery } from "./query.js";
export type { FieldMetadata, NativeRenderer, RenderInput, RenderedSql } from "./renderer.js";
export { metabaseRenderer } from "./renderer.js";
export type { EmbeddingStatus, EmbeddingParams } from "./embed-params.js";
