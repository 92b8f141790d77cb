import { createMetabaseHttp, type MetabaseCredentials, type MetabaseHttp } from "./http.js";
import {
  Card,
  CardList,
  Collection,
  CollectionList,
  Created,
  CurrentUser,
  Dashboard,
  DashboardList,
  DatabaseList,
  DatabaseMetadata,
  Ignored,
  type DashboardSummary,
  type DatabaseSummary,
  SessionCreated,
  SessionProperties,
  SettingValue,
} from "./schemas.js";

/**
 * The REST endpoints the sync uses (metabase-contract.md §2), one typed method each. Lists are preferred to
 * per-object reads: a plan that changes nothing costs a constant number of requests.
 */
export interface MetabaseClient {
  readonly http: MetabaseHttp;
  sessionProperties(): Promise<SessionProperties>;
  /** `POST /api/session`; the client then sends `X-Metabase-Session`. */
  login(username: string, password: string): Promise<void>;
  currentUser(): Promise<CurrentUser>;
  setting(key: string): Promise<unknown>;
  databases(): Promise<DatabaseSummary[]>;
  databaseMetadata(id: number): Promise<DatabaseMetadata>;
  collections(options: { archived: boolean }): Promise<Collection[]>;
  cards(options: { archived: boolean }): Promise<Card[]>;
  dashboards(options: { archived: boolean }): Promise<DashboardSummary[]>;
  dashboard(id: number): Promise<Dashboard>;
  createCollection(body: Record<string, unknown>): Promise<Created>;
  updateCollection(id: number, body: Record<string, unknown>): Promise<void>;
  createCard(body: Record<string, unknown>): Promise<Created>;
  updateCard(id: number, body: Record<string, unknown>): Promise<void>;
  createDashboard(body: Record<string, unknown>): Promise<Created>;
  updateDashboard(id: number, body: Record<string, unknown>): Promise<Dashboard>;
}

export function createMetabaseClient(options: {
  siteUrl: string;
  credentials?: MetabaseCredentials | undefined;
  timeoutMs?: number;
  retryDelayMs?: number;
}): MetabaseClient {
  const http = createMetabaseHttp(options);
  return {
    http,
    sessionProperties: () => http.get(SessionProperties, "/api/session/properties"),
    async login(username, password) {
      const session = await http.post(SessionCreated, "/api/session", { username, password });
      http.setCredentials({ kind: "session", sessionId: session.id });
    },
    currentUser: () => http.get(CurrentUser, "/api/user/current"),
    setting: (key) => http.get(SettingValue, `/api/setting/${encodeURIComponent(key)}`),
    databases: () => http.get(DatabaseList, "/api/database"),
    databaseMetadata: (id) => http.get(DatabaseMetadata, `/api/database/${id}/metadata?include_hidden=true`),
    collections: ({ archived }) =>
      http.get(CollectionList, archived ? "/api/collection?archived=true" : "/api/collection"),
    cards: ({ archived }) => http.get(CardList, `/api/card?f=${archived ? "archived" : "all"}`),
    dashboards: ({ archived }) =>
      http.get(DashboardList, `/api/dashboard?f=${archived ? "archived" : "all"}`),
    dashboard: (id) => http.get(Dashboard, `/api/dashboard/${id}`),
    createCollection: (body) => http.post(Created, "/api/collection", body),
    async updateCollection(id, body) {
      await http.put(Ignored, `/api/collection/${id}`, body);
    },
    createCard: (body) => http.post(Created, "/api/card", body),
    async updateCard(id, body) {
      await http.put(Ignored, `/api/card/${id}`, body);
    },
    createDashboard: (body) => http.post(Created, "/api/dashboard", body),
    updateDashboard: (id, body) => http.put(Dashboard, `/api/dashboard/${id}`, body),
  };
}
