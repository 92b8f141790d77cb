import { randomUUID } from "node:crypto";
import { createMetabaseTestServer, WAREHOUSE_DATABASE_ID, type MetabaseTestServerOptions } from "./index.js";
import { setupStateOf, type WriteRecord } from "./setup-routes.js";
import type { MetabaseState } from "./state.js";

/**
 * The test server as a Metabase is after its first start on a new application database: no user, no API
 * key, the sample database only, static embedding off, no embedding secret, and a setup token — what
 * `pilotage metabase bootstrap` meets on a new install (setup-routes.ts serves the endpoints it uses).
 */
export interface FreshMetabaseTestServer {
  url: string;
  /** The token a fresh Metabase shows in `/api/session/properties` until its first user exists. */
  setupToken: string;
  /** Every write received, in order (method, path, status). */
  writes: WriteRecord[];
  readonly embeddingSecretKey: string | undefined;
  state: MetabaseState;
  setSetting(key: string, value: unknown): void;
  close(): Promise<void>;
}

export async function createFreshMetabaseTestServer(
  options: Omit<MetabaseTestServerOptions, "embedding" | "embeddingSecretKey">,
): Promise<FreshMetabaseTestServer> {
  const server = await createMetabaseTestServer({ ...options, embedding: false, embeddingSecretKey: null });
  const { state } = server;
  state.users.clear();
  state.passwords.clear();
  state.sessions.clear();
  state.apiKeys.clear();
  state.databases.delete(WAREHOUSE_DATABASE_ID);
  const setupToken = randomUUID();
  state.settings.set("setup-token", setupToken);
  return {
    url: server.url,
    setupToken,
    writes: setupStateOf(state).writes,
    get embeddingSecretKey() {
      return server.embeddingSecretKey;
    },
    state,
    setSetting: (key, value) => server.setSetting(key, value),
    close: () => server.close(),
  };
}
