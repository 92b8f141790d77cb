import { randomBytes, randomUUID } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { isDeepStrictEqual } from "node:util";
import {
  checkEmbeddingEnabled,
  currentUser,
  idParam,
  requireSuperuser,
  type ServerContext,
} from "./context.js";
import { archivedError, MetabaseError, notFound, plainError } from "./errors.js";
import {
  cardJson,
  collectionJson,
  dashboardJson,
  dashboardSummaryJson,
  databaseJson,
  fieldJson,
  ROOT_COLLECTION,
  tableJson,
} from "./json.js";
import { toLegacy } from "./mbql.js";
import {
  CardCreate,
  CardUpdate,
  CollectionCreate,
  CollectionUpdate,
  DashboardCreate,
  DashboardUpdate,
  parseBody,
  SessionBody,
} from "./schemas.js";
import {
  ENTITY_ID,
  newEntityId,
  nowIso,
  type Card,
  type Collection,
  type Dashboard,
  type DashboardCard,
  type DashboardTab,
} from "./state.js";

/** The authenticated REST API the sync uses (metabase-contract.md §2), plus its unauthenticated probes. */

const HEX_64 = /^[0-9a-f]{64}$/;
const SECRET_ASSERTION =
  "Assert failed: Invalid embedding-secret-key! Secret key must be a hexadecimal-encoded 256-bit key (i.e., a 64-character string).\n(u/hexadecimal-string? new-value)";

function has(body: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(body, key);
}

function settingNames(ctx: ServerContext): string[] {
  const names = ["site-url", "embedding-secret-key", "enable-embedding", "enable-public-sharing"];
  if (ctx.version.major >= 51)
    names.push("enable-embedding-static", "enable-embedding-interactive", "enable-embedding-sdk");
  return names;
}

function toBoolean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new MetabaseError(500, { message: `Invalid value for boolean setting: ${JSON.stringify(value)}` });
}

/** A setting's setter, as `defsetting` does it (types, the secret-key assertion, auto-generated secret). */
export function writeSetting(ctx: ServerContext, key: string, value: unknown): void {
  if (!settingNames(ctx).includes(key)) throw new MetabaseError(500, { message: `Unknown setting: :${key}` });
  const { settings } = ctx.state;
  if (key === "embedding-secret-key") {
    if (value === null || value === undefined || value === "") {
      settings.delete(key);
      return;
    }
    if (typeof value !== "string" || !HEX_64.test(value))
      throw new MetabaseError(500, { message: SECRET_ASSERTION });
    settings.set(key, value);
    return;
  }
  if (key === "site-url") {
    settings.set(key, value === null ? undefined : String(value));
    return;
  }
  const on = toBoolean(value);
  settings.set(key, on);
  // Turning an embedding toggle on draws a secret key when none is set (`make-embedding-toggle-setter`).
  if (on && key.startsWith("enable-embedding") && !settings.get("embedding-secret-key")) {
    settings.set("embedding-secret-key", randomBytes(32).toString("hex"));
  }
}

function readSetting(ctx: ServerContext, key: string): unknown {
  if (!settingNames(ctx).includes(key)) throw new MetabaseError(500, { message: `Unknown setting: :${key}` });
  const value = ctx.state.settings.get(key);
  if (value === undefined && key.startsWith("enable-")) return false;
  return value ?? null;
}

function sendJsonValue(res: Response, value: unknown): void {
  if (value === null) res.status(204).end();
  else res.type("application/json").send(JSON.stringify(value));
}

function cardOr404(ctx: ServerContext, id: number): Card {
  const card = ctx.state.cards.get(id);
  if (!card) throw notFound();
  return card;
}

function dashboardOr404(ctx: ServerContext, id: number): Dashboard {
  const dashboard = ctx.state.dashboards.get(id);
  if (!dashboard) throw notFound();
  return dashboard;
}

function collectionOr404(ctx: ServerContext, id: number): Collection {
  const collection = ctx.state.collections.get(id);
  if (!collection) throw notFound();
  return collection;
}

function resolveCollectionId(ctx: ServerContext, ref: number | string | null | undefined): number | null {
  if (ref === null || ref === undefined) return null;
  if (typeof ref === "number") return collectionOr404(ctx, ref).id;
  const found = [...ctx.state.collections.values()].find((c) => c.entity_id === ref);
  if (!found) throw notFound();
  return found.id;
}

/** Any accepted `dataset_query`, in the stored legacy shape, with the database it runs against. */
function storedQuery(
  ctx: ServerContext,
  query: Record<string, unknown>,
): { query: Record<string, unknown>; databaseId: number | null } {
  const legacy = toLegacy(query);
  const databaseId = typeof legacy.database === "number" ? legacy.database : null;
  if (databaseId !== null && !ctx.state.databases.has(databaseId)) throw notFound();
  return { query: legacy, databaseId };
}

/** `api/column-will-change?`: the key is sent and differs from what is stored. */
function willChange(body: Record<string, unknown>, key: string, current: unknown): boolean {
  return has(body, key) && !isDeepStrictEqual(body[key] ?? null, current ?? null);
}

function checkAllowedToChangeEmbedding(
  ctx: ServerContext,
  res: Response,
  body: Record<string, unknown>,
  current: { enable_embedding: boolean; embedding_params: unknown; embedding_type: string | null },
): void {
  if (
    willChange(body, "enable_embedding", current.enable_embedding) ||
    willChange(body, "embedding_params", current.embedding_params) ||
    willChange(body, "embedding_type", current.embedding_type)
  ) {
    checkEmbeddingEnabled(ctx);
    requireSuperuser(res);
  }
}

function mbql5(ctx: ServerContext, req: Request): boolean {
  return ctx.features.mbql5ReadBack && req.query["legacy-mbql"] !== "true";
}

function listOf(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export function restRouter(ctx: ServerContext): Router {
  const { state } = ctx;
  const router = express.Router();

  // --- health, session, user ---
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  router.get("/session/properties", (_req, res) => {
    const properties: Record<string, unknown> = {
      version: { tag: ctx.version.tag, date: "2025-01-01", branch: "release", hash: "0000000" },
      "site-url": state.settings.get("site-url") ?? null,
      "has-user-setup": true,
      "setup-token": null,
      "token-features": {},
    };
    if (res.locals.user) {
      for (const key of settingNames(ctx).filter((k) => k.startsWith("enable-")))
        properties[key] = readSetting(ctx, key);
    }
    res.json(properties);
  });

  router.post("/session", (req, res) => {
    const { username, password } = parseBody(SessionBody, req.body);
    const user = [...state.users.values()].find((u) => u.email.toLowerCase() === username.toLowerCase());
    if (!user || state.passwords.get(user.id) !== password) {
      throw new MetabaseError(401, { errors: { password: "did not match stored password" } });
    }
    const id = randomUUID();
    state.sessions.set(id, user.id);
    res.cookie("metabase.SESSION", id, { httpOnly: true, sameSite: "lax" });
    res.json({ id });
  });

  router.delete("/session", (req, res) => {
    const id = req.get("x-metabase-session");
    if (id) state.sessions.delete(id);
    res.status(204).end();
  });

  router.get("/user/current", (_req, res) => {
    const user = currentUser(res);
    res.json({ ...user, common_name: `${user.first_name} ${user.last_name}`, is_active: true });
  });

  // --- settings ---
  router.get("/setting", (_req, res) => {
    requireSuperuser(res);
    res.json(settingNames(ctx).map((key) => ({ key, value: readSetting(ctx, key), is_env_setting: false })));
  });
  router.get("/setting/:key", (req, res) => {
    requireSuperuser(res);
    sendJsonValue(res, readSetting(ctx, String(req.params.key)));
  });
  router.put("/setting/:key", (req, res) => {
    requireSuperuser(res);
    writeSetting(ctx, String(req.params.key), (req.body ?? {}).value);
    res.status(204).end();
  });
  router.put("/setting", (req, res) => {
    requireSuperuser(res);
    for (const [key, value] of Object.entries((req.body ?? {}) as Record<string, unknown>))
      writeSetting(ctx, key, value);
    res.status(204).end();
  });

  // --- databases, tables, fields ---
  router.get("/database", (req, res) => {
    const include = req.query.include === "tables" ? "tables" : "none";
    const data = [...state.databases.values()].map((db) => databaseJson(db, include));
    res.json({ data, total: data.length });
  });
  router.get("/database/:id", (req, res) => {
    const db = state.databases.get(idParam(req));
    if (!db) throw notFound();
    res.json(databaseJson(db, "none"));
  });
  router.get("/database/:id/metadata", (req, res) => {
    const db = state.databases.get(idParam(req));
    if (!db) throw notFound();
    res.json(databaseJson(db, "metadata"));
  });
  router.post("/database/:id/sync_schema", async (req, res) => {
    requireSuperuser(res);
    if (!state.databases.has(idParam(req))) throw notFound();
    await ctx.syncWarehouse();
    res.json({ status: "ok" });
  });
  router.get("/table/:id/query_metadata", (req, res) => {
    const id = idParam(req);
    for (const db of state.databases.values()) {
      const table = db.tables.find((t) => t.id === id);
      if (table) {
        res.json({ ...tableJson(table, true), db: databaseJson(db, "none") });
        return;
      }
    }
    throw notFound();
  });
  router.get("/field/:id", (req, res) => {
    const id = idParam(req);
    for (const db of state.databases.values()) {
      for (const table of db.tables) {
        const field = table.fields.find((f) => f.id === id);
        if (field) {
          res.json({ ...fieldJson(field), table: tableJson(table, false) });
          return;
        }
      }
    }
    throw notFound();
  });

  // --- collections ---
  router.get("/collection", (req, res) => {
    const archived = req.query.archived === "true";
    const collections = [...state.collections.values()]
      .filter((c) => c.archived === archived)
      .map(collectionJson);
    res.json(archived ? collections : [{ ...ROOT_COLLECTION }, ...collections]);
  });
  router.get("/collection/root", (_req, res) => {
    res.json({ ...ROOT_COLLECTION });
  });
  router.get("/collection/:id", (req, res) => {
    res.json(collectionJson(collectionOr404(ctx, idParam(req))));
  });
  router.get("/collection/:id/items", (req, res) => {
    const raw = req.params.id;
    const collectionId = raw === "root" ? null : collectionOr404(ctx, idParam(req)).id;
    const archived = req.query.archived === "true";
    const models = listOf(req.query.models);
    const wanted = (model: string) => models.length === 0 || models.includes(model);
    const items: Record<string, unknown>[] = [];
    if (wanted("collection")) {
      for (const c of state.collections.values()) {
        if (c.parent_id === collectionId && c.archived === archived) {
          items.push({ ...collectionJson(c), model: "collection" });
        }
      }
    }
    if (wanted("dashboard")) {
      for (const d of state.dashboards.values()) {
        if (d.collection_id === collectionId && d.archived === archived) {
          items.push({
            id: d.id,
            entity_id: d.entity_id,
            name: d.name,
            description: d.description,
            model: "dashboard",
            collection_position: d.collection_position,
            archived: d.archived,
          });
        }
      }
    }
    for (const c of state.cards.values()) {
      const model = c.type === "model" ? "dataset" : c.type === "metric" ? "metric" : "card";
      if (wanted(model) && c.collection_id === collectionId && c.archived === archived) {
        items.push({
          id: c.id,
          entity_id: c.entity_id,
          name: c.name,
          description: c.description,
          model,
          display: c.display,
          database_id: c.database_id,
          collection_position: c.collection_position,
          archived: c.archived,
        });
      }
    }
    items.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    res.json({
      total: items.length,
      data: items,
      models: models.length ? models : null,
      limit: null,
      offset: null,
    });
  });
  router.post("/collection", (req, res) => {
    const body = parseBody(CollectionCreate, req.body);
    const parent = body.parent_id ? collectionOr404(ctx, body.parent_id) : undefined;
    const id = state.nextId("collection");
    const collection: Collection = {
      id,
      entity_id: newEntityId(),
      name: body.name,
      description: body.description ?? null,
      parent_id: parent?.id ?? null,
      location: parent ? `${parent.location}${parent.id}/` : "/",
      archived: false,
      archived_directly: null,
      namespace: body.namespace ?? null,
      authority_level: body.authority_level ?? null,
      created_at: nowIso(),
    };
    state.collections.set(id, collection);
    res.json(collectionJson(collection));
  });
  router.put("/collection/:id", (req, res) => {
    const collection = collectionOr404(ctx, idParam(req));
    const body = parseBody(CollectionUpdate, req.body);
    if (body.name) collection.name = body.name;
    if (has(body, "description")) collection.description = body.description ?? null;
    if (body.parent_id !== undefined && body.parent_id !== collection.parent_id) {
      const parent = body.parent_id === null ? undefined : collectionOr404(ctx, body.parent_id);
      const oldPrefix = `${collection.location}${collection.id}/`;
      collection.parent_id = parent?.id ?? null;
      collection.location = parent ? `${parent.location}${parent.id}/` : "/";
      const newPrefix = `${collection.location}${collection.id}/`;
      for (const c of state.collections.values()) {
        if (c.location.startsWith(oldPrefix)) c.location = newPrefix + c.location.slice(oldPrefix.length);
      }
    }
    if (typeof body.archived === "boolean" && body.archived !== collection.archived) {
      setCollectionArchived(ctx, collection, body.archived);
    }
    res.json(collectionJson(collection));
  });

  // --- cards ---
  router.get("/card", (req, res) => {
    const f = typeof req.query.f === "string" ? req.query.f : "all";
    const cards = [...state.cards.values()].filter((c) => (f === "archived" ? c.archived : !c.archived));
    res.json(cards.map((c) => cardJson(state, c, { mbql5: mbql5(ctx, req) })));
  });
  router.get("/card/:id", (req, res) => {
    const raw = String(req.params.id);
    const card =
      ctx.features.entityIdResources && ENTITY_ID.test(raw)
        ? [...state.cards.values()].find((c) => c.entity_id === raw)
        : state.cards.get(idParam(req));
    if (!card) throw notFound();
    res.json(cardJson(state, card, { mbql5: mbql5(ctx, req) }));
  });
  router.post("/card", (req, res) => {
    const body = parseBody(CardCreate, req.body);
    const { query, databaseId } = storedQuery(ctx, body.dataset_query);
    const collectionId = resolveCollectionId(ctx, body.collection_id);
    const id = state.nextId("card");
    const now = nowIso();
    // `enable_embedding` and `embedding_params` are not create parameters: whatever is sent, a new card is
    // not embeddable until a PUT by an admin says so.
    const card: Card = {
      id,
      entity_id: newEntityId(),
      name: body.name,
      description: body.description ?? null,
      display: body.display,
      type: body.type ?? "question",
      visualization_settings: body.visualization_settings,
      dataset_query: query,
      database_id: databaseId,
      query_type: query.type === "native" ? "native" : "query",
      parameters: (body.parameters ?? []) as Record<string, unknown>[],
      parameter_mappings: (body.parameter_mappings ?? []) as Record<string, unknown>[],
      collection_id: collectionId,
      collection_position: body.collection_position ?? null,
      cache_ttl: body.cache_ttl ?? null,
      result_metadata: body.result_metadata ?? null,
      enable_embedding: false,
      embedding_params: null,
      embedding_type: null,
      archived: false,
      archived_directly: false,
      creator_id: currentUser(res).id,
      created_at: now,
      updated_at: now,
    };
    state.cards.set(id, card);
    res.json(cardJson(state, card, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.put("/card/:id", (req, res) => {
    const body = parseBody(CardUpdate, req.body);
    const card = cardOr404(ctx, idParam(req));
    const stored = body.dataset_query ? storedQuery(ctx, body.dataset_query) : undefined;
    if (has(body, "collection_id")) resolveCollectionId(ctx, body.collection_id);
    checkAllowedToChangeEmbedding(ctx, res, body, card);
    if (body.name) card.name = body.name;
    if (has(body, "description")) card.description = body.description ?? null;
    if (body.display) card.display = body.display;
    if (body.visualization_settings) card.visualization_settings = body.visualization_settings;
    if (body.type) card.type = body.type;
    if (stored) {
      card.dataset_query = stored.query;
      card.database_id = stored.databaseId;
      card.query_type = stored.query.type === "native" ? "native" : "query";
    }
    if (has(body, "collection_id")) card.collection_id = body.collection_id ?? null;
    if (has(body, "collection_position")) card.collection_position = body.collection_position ?? null;
    if (has(body, "cache_ttl")) card.cache_ttl = body.cache_ttl ?? null;
    if (body.parameters) card.parameters = body.parameters as Record<string, unknown>[];
    if (body.parameter_mappings)
      card.parameter_mappings = body.parameter_mappings as Record<string, unknown>[];
    if (has(body, "result_metadata")) card.result_metadata = body.result_metadata ?? null;
    if (typeof body.enable_embedding === "boolean") card.enable_embedding = body.enable_embedding;
    if (body.embedding_params) card.embedding_params = body.embedding_params;
    if (has(body, "embedding_type")) card.embedding_type = body.embedding_type ?? null;
    if (typeof body.archived === "boolean" && body.archived !== card.archived) {
      card.archived = body.archived;
      card.archived_directly = body.archived;
    }
    card.updated_at = nowIso();
    res.json(cardJson(state, card, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.delete("/card/:id", (req, res) => {
    const card = cardOr404(ctx, idParam(req));
    state.cards.delete(card.id);
    for (const d of state.dashboards.values())
      d.dashcards = d.dashcards.filter((dc) => dc.card_id !== card.id);
    res.status(204).end();
  });

  // --- dashboards ---
  router.get("/dashboard", (req, res) => {
    const f = typeof req.query.f === "string" ? req.query.f : "all";
    const userId = currentUser(res).id;
    const dashboards = [...state.dashboards.values()].filter((d) =>
      f === "archived" ? d.archived : !d.archived && (f !== "mine" || d.creator_id === userId),
    );
    res.json(dashboards.map((d) => dashboardSummaryJson(state, d)));
  });
  router.get("/dashboard/:id", (req, res) => {
    const raw = String(req.params.id);
    const dashboard =
      ctx.features.entityIdResources && ENTITY_ID.test(raw)
        ? [...state.dashboards.values()].find((d) => d.entity_id === raw)
        : state.dashboards.get(idParam(req));
    if (!dashboard) throw notFound();
    res.json(dashboardJson(state, dashboard, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.post("/dashboard", (req, res) => {
    const body = parseBody(DashboardCreate, req.body);
    const collectionId = resolveCollectionId(ctx, body.collection_id);
    const id = state.nextId("dashboard");
    const now = nowIso();
    const dashboard: Dashboard = {
      id,
      entity_id: newEntityId(),
      name: body.name,
      description: body.description ?? null,
      parameters: (body.parameters ?? []) as Record<string, unknown>[],
      collection_id: collectionId,
      collection_position: body.collection_position ?? null,
      cache_ttl: body.cache_ttl ?? null,
      width: "fixed",
      auto_apply_filters: true,
      enable_embedding: false,
      embedding_params: null,
      embedding_type: null,
      archived: false,
      archived_directly: false,
      creator_id: currentUser(res).id,
      created_at: now,
      updated_at: now,
      dashcards: [],
      tabs: [],
    };
    state.dashboards.set(id, dashboard);
    res.json(dashboardJson(state, dashboard, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.put("/dashboard/:id", (req, res) => {
    const body = parseBody(DashboardUpdate, req.body);
    const dashboard = dashboardOr404(ctx, idParam(req));
    updateDashboard(ctx, res, dashboard, body);
    res.json(dashboardJson(state, dashboard, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.delete("/dashboard/:id", (req, res) => {
    const dashboard = dashboardOr404(ctx, idParam(req));
    state.dashboards.delete(dashboard.id);
    res.status(204).end();
  });

  return router;
}

/** Archiving a collection sends its whole subtree and contents to the Trash; unarchiving brings back what went with it. */
export function setCollectionArchived(ctx: ServerContext, collection: Collection, archived: boolean): void {
  const { state } = ctx;
  const subtree = state.subtree(collection.id);
  const ids = new Set(subtree.map((c) => c.id));
  for (const c of subtree) {
    if (c === collection) {
      c.archived = archived;
      c.archived_directly = archived ? true : null;
    } else if (archived ? !c.archived : c.archived_directly === false) {
      c.archived = archived;
      c.archived_directly = archived ? false : null;
    }
  }
  const items: (Card | Dashboard)[] = [...state.cards.values(), ...state.dashboards.values()];
  for (const item of items) {
    if (item.collection_id === null || !ids.has(item.collection_id)) continue;
    if (archived && !item.archived) {
      item.archived = true;
      item.archived_directly = false;
    } else if (!archived && item.archived && !item.archived_directly) {
      item.archived = false;
    }
  }
}

type DashboardUpdateBody = ReturnType<typeof DashboardUpdate.parse>;

/** `update-dashboard!`: checks first, then plain fields, then the tabs and the row-diff of `dashcards`. */
function updateDashboard(
  ctx: ServerContext,
  res: Response,
  dashboard: Dashboard,
  body: DashboardUpdateBody,
): void {
  const { state } = ctx;
  const dashcards = body.dashcards;
  // Cards newly referenced must exist (404 `Not found.`) before anything else.
  const referenced = new Set(
    (dashcards ?? [])
      .flatMap((dc) => [dc.card_id, ...(dc.series ?? []).map((s) => s.id)])
      .filter((id): id is number => typeof id === "number"),
  );
  for (const id of referenced) cardOr404(ctx, id);
  if (has(body, "collection_id")) resolveCollectionId(ctx, body.collection_id);
  checkAllowedToChangeEmbedding(ctx, res, body, dashboard);
  // Dashcards can only be changed on a dashboard that is not in the Trash (checked against the stored row,
  // so that `{archived: false, dashcards}` on an archived dashboard fails and changes nothing).
  if (dashcards && dashboard.archived) throw archivedError();

  let newDashcards: DashboardCard[] | undefined;
  let newTabs: DashboardTab[] | undefined;
  if (dashcards) {
    const tabs = body.tabs ?? [];
    const tabIds = new Map<number, number>();
    newTabs = tabs.map((tab, position) => {
      const existing = dashboard.tabs.find((t) => t.id === tab.id);
      const id = existing ? existing.id : state.nextId("tab");
      tabIds.set(tab.id, id);
      return {
        id,
        entity_id: existing?.entity_id ?? newEntityId(),
        dashboard_id: dashboard.id,
        name: tab.name,
        position,
      };
    });
    const withTabs = dashcards.map((dc) =>
      newTabs!.length === 1 && (dc.dashboard_tab_id === null || dc.dashboard_tab_id === undefined)
        ? { ...dc, dashboard_tab_id: tabs[0]!.id }
        : dc,
    );
    if (
      newTabs.length > 0 &&
      !withTabs.every((dc) => dc.dashboard_tab_id !== null && dc.dashboard_tab_id !== undefined)
    ) {
      throw plainError(400, "This dashboard has tab, makes sure every card has a tab");
    }
    const current = new Map(dashboard.dashcards.map((dc) => [dc.id, dc]));
    const now = nowIso();
    newDashcards = withTabs.map((dc) => {
      const existing = current.get(dc.id);
      if (!existing) {
        for (const id of [dc.card_id, ...(dc.series ?? []).map((s) => s.id)]) {
          if (typeof id === "number" && cardOr404(ctx, id).archived) throw archivedError();
        }
      }
      const tabId =
        dc.dashboard_tab_id === null || dc.dashboard_tab_id === undefined
          ? null
          : (tabIds.get(dc.dashboard_tab_id) ?? dc.dashboard_tab_id);
      return {
        id: existing ? existing.id : state.nextId("dashcard"),
        entity_id: existing?.entity_id ?? newEntityId(),
        dashboard_id: dashboard.id,
        card_id: dc.card_id ?? null,
        dashboard_tab_id: tabId,
        row: dc.row,
        col: dc.col,
        size_x: dc.size_x,
        size_y: dc.size_y,
        parameter_mappings: (dc.parameter_mappings ?? []) as Record<string, unknown>[],
        visualization_settings: dc.visualization_settings ?? {},
        series: (dc.series ?? []).map((s) => ({ id: s.id })),
        inline_parameters: dc.inline_parameters ?? null,
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
    });
  }

  if (body.name) dashboard.name = body.name;
  if (has(body, "description")) dashboard.description = body.description ?? null;
  if (body.parameters) dashboard.parameters = body.parameters as Record<string, unknown>[];
  if (has(body, "collection_id")) dashboard.collection_id = body.collection_id ?? null;
  if (has(body, "collection_position")) dashboard.collection_position = body.collection_position ?? null;
  if (has(body, "cache_ttl")) dashboard.cache_ttl = body.cache_ttl ?? null;
  if (body.width) dashboard.width = body.width;
  if (typeof body.auto_apply_filters === "boolean") dashboard.auto_apply_filters = body.auto_apply_filters;
  if (typeof body.enable_embedding === "boolean") dashboard.enable_embedding = body.enable_embedding;
  if (body.embedding_params) dashboard.embedding_params = body.embedding_params;
  if (has(body, "embedding_type")) dashboard.embedding_type = body.embedding_type ?? null;
  if (typeof body.archived === "boolean" && body.archived !== dashboard.archived) {
    dashboard.archived = body.archived;
    dashboard.archived_directly = body.archived;
  }
  if (newDashcards) dashboard.dashcards = newDashcards;
  if (newTabs) dashboard.tabs = newTabs;
  dashboard.updated_at = nowIso();
}
