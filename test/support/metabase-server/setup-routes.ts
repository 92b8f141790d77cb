import { randomBytes, randomUUID } from "node:crypto";
import type { NextFunction, Request, Response, Router } from "express";
import pg from "pg";
import { requireSuperuser, type ServerContext } from "./context.js";
import { MetabaseError, plainError, schemaError } from "./errors.js";
import { databaseJson } from "./json.js";
import { nowIso, type MetabaseState, type User } from "./state.js";

/**
 * What a fresh Metabase offers before anyone set it up, and what `pilotage metabase bootstrap` uses to set
 * it up, as Metabase's source defines it:
 * - `POST /api/setup` (`setup/api.clj`): the setup token (`setup-token`, read from
 *   `/api/session/properties` with `has-user-setup`), the first user with a password that passes
 *   `u.password/is-valid?` (complexity "normal": 6 characters and a digit, and not a common password),
 *   `prefs.site_name`; refused with 403 once a user exists; answers the new session's id;
 * - `POST /api/database` (`warehouses/api.clj`): superuser only, tests the connection before saving and
 *   answers 400 `{message}` with the Postgres driver's humanised message when it fails;
 * - `POST /api/api-key`, `GET /api/api-key` (`api_keys/api.clj`): a key tied to a new user of the group
 *   given, its name unique, shown unmasked once; `GET /api/permissions/group`;
 * (`custom-formatting`, the `:json` setting the bootstrap also writes, is in settings.ts with the others.)
 * And, for tests, a log of every write the server received (`writes`), to prove a second bootstrap
 * writes nothing.
 * `createFreshMetabaseTestServer` (fresh.ts) starts a server in the state these routes expect. Registered
 * last in rest-routes.ts's REST_ROUTES; `POST /api/setup` is public in app.ts, which also mounts
 * `recordWrites` ahead of every route.
 */

export interface WriteRecord {
  method: string;
  path: string;
  status: number;
}

interface ApiKeyRow {
  id: number;
  name: string;
  key: string;
  userId: number;
  groupId: number;
  createdAt: string;
}

/** What this file adds to the application database, kept beside it. */
export interface SetupState {
  writes: WriteRecord[];
  apiKeys: ApiKeyRow[];
}

const setupStates = new WeakMap<MetabaseState, SetupState>();

export function setupStateOf(state: MetabaseState): SetupState {
  let found = setupStates.get(state);
  if (!found) {
    found = { writes: [], apiKeys: [] };
    setupStates.set(state, found);
  }
  return found;
}

/** Metabase's magic groups (`perms-group/all-users`, `perms-group/admin`), created first by its migrations. */
export const ALL_USERS_GROUP = { id: 1, name: "All Users" };
export const ADMIN_GROUP = { id: 2, name: "Administrators" };

/**
 * A few of the ~12,000 passwords of `common_passwords.txt` that pass the "normal" complexity: enough for a
 * test to see the refusal, not the list.
 */
const COMMON_PASSWORDS = new Set(["password1", "abc123", "123456a", "passw0rd", "qwerty1", "metabase1"]);

function validPassword(password: unknown): boolean {
  return (
    typeof password === "string" &&
    password.length >= 6 &&
    /\d/.test(password) &&
    !COMMON_PASSWORDS.has(password.toLowerCase())
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const nonBlank = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** Every request that is not a read, in order, with the status answered. */
export function recordWrites(ctx: ServerContext) {
  const { writes } = setupStateOf(ctx.state);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!["GET", "HEAD", "OPTIONS"].includes(req.method)) {
      const path = req.originalUrl.split("?")[0]!;
      res.on("finish", () => writes.push({ method: req.method, path, status: res.statusCode }));
    }
    next();
  };
}

export function setupRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;
  const setup = setupStateOf(state);

  router.post("/setup", (req, res) => {
    const body = record(req.body);
    const user = record(body.user);
    const prefs = record(body.prefs);
    const token = state.settings.get("setup-token");
    const errors: Record<string, string> = {};
    if (!nonBlank(body.token) || body.token !== token) errors.token = "Token does not match the setup token.";
    if (typeof user.email !== "string" || !EMAIL.test(user.email))
      errors.email = "value must be a valid email address.";
    if (!validPassword(user.password)) errors.password = "password is too common.";
    if (!nonBlank(prefs.site_name)) errors.site_name = "value must be a non-blank string.";
    if (Object.keys(errors).length > 0) throw schemaError(errors);
    if (state.users.size > 0) {
      throw plainError(
        403,
        "The /api/setup route can only be used to create the first user, however a user currently exists.",
      );
    }
    const id = nextUserId(state);
    state.users.set(id, {
      id,
      email: String(user.email),
      first_name: nonBlank(user.first_name) ? user.first_name : "",
      last_name: nonBlank(user.last_name) ? user.last_name : "",
      is_superuser: true,
    });
    state.passwords.set(id, String(user.password));
    // Used once, then cleared (`setup-token`'s docstring).
    state.settings.delete("setup-token");
    state.settings.set("site-name", String(prefs.site_name));
    state.settings.set("admin-email", String(user.email));
    if (nonBlank(prefs.site_locale)) state.settings.set("site-locale", prefs.site_locale);
    const session = randomUUID();
    state.sessions.set(session, id);
    res.cookie("metabase.SESSION", session, { httpOnly: true, sameSite: "lax" });
    res.json({ id: session });
  });

  router.post("/database", async (req, res) => {
    requireSuperuser(res);
    const body = record(req.body);
    const errors: Record<string, string> = {};
    if (!nonBlank(body.name)) errors.name = "value must be a non-blank string.";
    if (body.engine !== "postgres" && body.engine !== "h2")
      errors.engine = "value must be a valid database engine.";
    if (typeof body.details !== "object" || body.details === null || Array.isArray(body.details))
      errors.details = "Value must be a map.";
    if (Object.keys(errors).length > 0) throw schemaError(errors);
    const details = record(body.details);
    const failure = await testConnection(details);
    if (failure) throw new MetabaseError(400, failure);
    const id = Math.max(0, ...state.databases.keys()) + 1;
    state.databases.set(id, {
      id,
      name: String(body.name),
      engine: String(body.engine),
      is_sample: false,
      tables: [],
      created_at: nowIso(),
    });
    // Metabase starts a sync of a new database at once; this server only knows how to read its warehouse.
    if (id === ctx.warehouseDatabaseId) await ctx.syncWarehouse();
    res.json({
      ...databaseJson(state.databases.get(id)!, "none"),
      details: { ...details, password: "**MetabasePass**" },
    });
  });

  router.get("/permissions/group", (_req, res) => {
    requireSuperuser(res);
    const members = (groupId: number) =>
      [...state.users.values()].filter((u) => groupId === ALL_USERS_GROUP.id || u.is_superuser).length;
    res.json([ALL_USERS_GROUP, ADMIN_GROUP].map((group) => ({ ...group, member_count: members(group.id) })));
  });

  router.get("/api-key", (_req, res) => {
    requireSuperuser(res);
    res.json(setup.apiKeys.map((row) => presentApiKey(row)));
  });

  router.post("/api-key", (req, res) => {
    requireSuperuser(res);
    const body = record(req.body);
    const errors: Record<string, string> = {};
    if (typeof body.group_id !== "number" || !Number.isInteger(body.group_id) || body.group_id <= 0)
      errors.group_id = "value must be an integer greater than zero.";
    if (!nonBlank(body.name)) errors.name = "value must be a non-blank string.";
    if (Object.keys(errors).length > 0) throw schemaError(errors);
    if (setup.apiKeys.some((row) => row.name === body.name)) {
      throw new MetabaseError(400, { errors: { name: "An API key with this name already exists." } });
    }
    const groupId = Number(body.group_id);
    if (groupId !== ALL_USERS_GROUP.id && groupId !== ADMIN_GROUP.id) throw plainError(404, "Not found.");
    const userId = nextUserId(state);
    const user: User = {
      id: userId,
      email: `api-key-user-${randomUUID()}@api-key.invalid`,
      first_name: String(body.name),
      last_name: "",
      is_superuser: groupId === ADMIN_GROUP.id,
    };
    state.users.set(userId, user);
    const key = `mb_${randomBytes(32).toString("base64")}`;
    state.apiKeys.set(key, userId);
    const row: ApiKeyRow = {
      id: setup.apiKeys.length + 1,
      name: String(body.name),
      key,
      userId,
      groupId,
      createdAt: nowIso(),
    };
    setup.apiKeys.push(row);
    res.json({ ...presentApiKey(row), unmasked_key: key });
  });

  function presentApiKey(row: ApiKeyRow) {
    const group = row.groupId === ADMIN_GROUP.id ? ADMIN_GROUP : ALL_USERS_GROUP;
    return {
      id: row.id,
      name: row.name,
      group,
      masked_key: `${row.key.slice(0, 7)}${"*".repeat(37)}`,
      created_at: row.createdAt,
      updated_at: row.createdAt,
      updated_by: { id: 1, common_name: "Administration Pilotage" },
    };
  }
}

function nextUserId(state: MetabaseState): number {
  return Math.max(0, ...state.users.keys()) + 1;
}

/**
 * The connection test of `POST /api/database`, on a real connection with the details given, failing with
 * the Postgres driver's humanised messages (`humanize-connection-error-message`).
 */
async function testConnection(
  details: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const client = new pg.Client({
    host: String(details.host ?? "localhost"),
    port: Number(details.port ?? 5432),
    database: String(details.dbname ?? details.db ?? ""),
    user: String(details.user ?? ""),
    password: String(details.password ?? ""),
    connectionTimeoutMillis: 5_000,
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message =
      code === "28P01"
        ? "Looks like your password is incorrect."
        : code === "28000"
          ? "Looks like your username is incorrect."
          : code === "3D000"
            ? "Looks like the database name is incorrect."
            : code === "ECONNREFUSED"
              ? "Hmm, we couldn't connect to the database. Make sure your host and port settings are correct."
              : error instanceof Error
                ? error.message
                : String(error);
    return { message };
  } finally {
    await client.end().catch(() => {});
  }
}
