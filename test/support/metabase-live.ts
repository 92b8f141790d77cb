import { DEFAULT_WAREHOUSE_DATABASE } from "../../src/env-schema.js";

/**
 * Where the Metabase contract suite (test/metabase-contract/) points. By default, and in `npm test`, at the
 * Metabase test server started in-process; with `npm run test:metabase-live`, at a real Metabase named by
 * the environment below. The suite reads these settings here and nowhere else.
 */
export interface LiveMetabaseSettings {
  url: string;
  /** An API key of the Administrators group. */
  apiKey: string;
  embeddingSecretKey: string;
  /** Optional: an API key of another group, for the admin-only rules. */
  nonAdminApiKey: string | undefined;
  /** The Metabase database (as named in Admin > Databases) the suite runs SQL on; the sync's variable and default. */
  databaseName: string;
  /** Optional: a user's email and password, for `POST /api/session`. */
  username: string | undefined;
  password: string | undefined;
}

export function contractMode(): "test-server" | "live" {
  return process.env.PILOTAGE_METABASE_CONTRACT === "live" ? "live" : "test-server";
}

/** Undefined when `METABASE_URL` is not set; an error naming what is missing when it is half set. */
export function liveMetabaseSettings(): LiveMetabaseSettings | undefined {
  const value = (name: string) => process.env[name]?.trim() || undefined;
  const url = value("METABASE_URL");
  if (!url) return undefined;
  const apiKey = value("METABASE_API_KEY");
  const embeddingSecretKey = value("METABASE_EMBEDDING_SECRET_KEY");
  const missing = [
    !apiKey && "METABASE_API_KEY",
    !embeddingSecretKey && "METABASE_EMBEDDING_SECRET_KEY",
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(
      `METABASE_URL is set but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not: set an admin API key and the embedding secret key of that Metabase.`,
    );
  }
  return {
    url: url.replace(/\/+$/, ""),
    apiKey: apiKey!,
    embeddingSecretKey: embeddingSecretKey!,
    nonAdminApiKey: value("METABASE_NON_ADMIN_API_KEY"),
    databaseName: value("METABASE_WAREHOUSE_DATABASE") ?? DEFAULT_WAREHOUSE_DATABASE,
    username: value("METABASE_USERNAME"),
    password: value("METABASE_PASSWORD"),
  };
}
