import { z } from "zod";
import { createMetabaseHttp, type MetabaseCredentials, type MetabaseHttp } from "./http.js";
import { CurrentUser, DatabaseList, Ignored, SettingValue, type DatabaseSummary } from "./schemas.js";

/**
 * The endpoints `pilotage metabase bootstrap` uses to take a fresh Metabase to a state the sync and the
 * gateway can work with, as Metabase's source defines them: `setup/api.clj` (`POST /api/setup`, the
 * setup token and `has-user-setup` read from `GET /api/session/properties`), `warehouses/api.clj`
 * (`POST /api/database`, which tests the connection first and answers 400 with a message when it
 * fails), the settings API (`PUT /api/setting/:key`, 204) and `api_keys/api.clj` (`POST /api/api-key`,
 * whose answer is the only time the key is shown unmasked).
 */

export const SetupProperties = z.looseObject({
  version: z.looseObject({ tag: z.string().nullish() }).nullish(),
  "has-user-setup": z.boolean().nullish(),
  "setup-token": z.string().nullish(),
});
export type SetupProperties = z.infer<typeof SetupProperties>;

const SessionId = z.looseObject({ id: z.string().min(1) });
const CreatedDatabase = z.looseObject({ id: z.number().int(), name: z.string() });
const PermissionGroups = z.array(z.looseObject({ id: z.number().int(), name: z.string() }));
const ApiKeyList = z.array(z.looseObject({ id: z.number().int(), name: z.string() }));
const CreatedApiKey = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  unmasked_key: z.string().min(1),
});

export interface SetupUser {
  email: string;
  first_name: string;
  last_name: string;
  password: string;
}

export interface MetabaseSetupClient {
  readonly http: MetabaseHttp;
  properties(): Promise<SetupProperties>;
  /** `POST /api/setup`: the first administrator; the client then uses the session it answers. */
  setup(body: { token: string; user: SetupUser; prefs: Record<string, unknown> }): Promise<void>;
  /** `POST /api/session`; the client then uses the session. */
  login(username: string, password: string): Promise<void>;
  useApiKey(apiKey: string): void;
  /** Another client on the same Metabase, with this API key (to test a key without losing the session). */
  withApiKey(apiKey: string): MetabaseSetupClient;
  currentUser(): Promise<z.infer<typeof CurrentUser>>;
  databases(): Promise<DatabaseSummary[]>;
  createDatabase(body: Record<string, unknown>): Promise<{ id: number; name: string }>;
  setting(key: string): Promise<unknown>;
  putSetting(key: string, value: unknown): Promise<void>;
  permissionGroups(): Promise<Array<{ id: number; name: string }>>;
  apiKeys(): Promise<Array<{ id: number; name: string }>>;
  createApiKey(body: { name: string; group_id: number }): Promise<{ id: number; unmaskedKey: string }>;
}

export function createMetabaseSetupClient(options: {
  siteUrl: string;
  credentials?: MetabaseCredentials;
  timeoutMs?: number;
  retryDelayMs?: number;
}): MetabaseSetupClient {
  const http = createMetabaseHttp(options);
  return {
    http,
    properties: () => http.get(SetupProperties, "/api/session/properties"),
    async setup(body) {
      const session = await http.post(SessionId, "/api/setup", body);
      http.setCredentials({ kind: "session", sessionId: session.id });
    },
    async login(username, password) {
      const session = await http.post(SessionId, "/api/session", { username, password });
      http.setCredentials({ kind: "session", sessionId: session.id });
    },
    useApiKey(apiKey) {
      http.setCredentials({ kind: "api-key", apiKey });
    },
    withApiKey: (apiKey) =>
      createMetabaseSetupClient({ ...options, credentials: { kind: "api-key", apiKey }, retryDelayMs: 0 }),
    currentUser: () => http.get(CurrentUser, "/api/user/current"),
    databases: () => http.get(DatabaseList, "/api/database"),
    createDatabase: (body) => http.post(CreatedDatabase, "/api/database", body),
    setting: (key) => http.get(SettingValue, `/api/setting/${encodeURIComponent(key)}`),
    async putSetting(key, value) {
      await http.put(Ignored, `/api/setting/${encodeURIComponent(key)}`, { value });
    },
    permissionGroups: () => http.get(PermissionGroups, "/api/permissions/group"),
    apiKeys: () => http.get(ApiKeyList, "/api/api-key"),
    async createApiKey(body) {
      const created = await http.post(CreatedApiKey, "/api/api-key", body);
      return { id: created.id, unmaskedKey: created.unmasked_key };
    },
  };
}
