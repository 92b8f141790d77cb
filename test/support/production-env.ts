import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.js";

/** An env that production accepts whole: the config suites take one variable away or spoil it. */
export const PRODUCTION_OK = {
  NODE_ENV: "production",
  PUBLIC_URL: "https://pilotage.example.gouv.fr",
  TRUST_PROXY: "1",
  SESSION_SECRET: "s".repeat(48),
  REDIS_URL: "redis://redis:6379",
  DATABASE_URL: "postgres://gateway@postgres/gateway",
  WAREHOUSE_URL: "postgres://reader@postgres/warehouse",
  PROCONNECT_ISSUER: "https://fca.integ01.dev-agentconnect.fr/api/v2",
  PROCONNECT_CLIENT_ID: "client",
  PROCONNECT_CLIENT_SECRET: "c".repeat(40),
  METABASE_SITE_URL: "https://stats.example.gouv.fr",
  METABASE_EMBEDDING_SECRET_KEY: "a".repeat(64),
  CONTACT_EMAIL: "pilotage@example.gouv.fr",
};

/** The problems a configuration loader refuses with; fails the test if it accepts. */
export function configProblems(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail("the configuration should have been refused");
}
