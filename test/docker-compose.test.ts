import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { loadConfig } from "../src/config.js";

/**
 * No Docker engine runs here: the compose file is checked for shape, and the gateway's environment in
 * it must satisfy the production configuration once the operator's variables are filled in.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const Compose = z.object({
  services: z.record(
    z.string(),
    z.looseObject({
      image: z.string().optional(),
      build: z.unknown().optional(),
      environment: z.record(z.string(), z.string()).optional(),
      healthcheck: z.looseObject({ test: z.unknown() }).optional(),
    }),
  ),
});

const compose = Compose.parse(parse(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")));

/** What an operator provides in .env, as documented in .env.example. */
const OPERATOR_ENV: Record<string, string> = {
  PUBLIC_URL: "https://pilotage.example.gouv.fr",
  SESSION_SECRET: "x".repeat(48),
  PROCONNECT_CLIENT_ID: "client-id",
  PROCONNECT_CLIENT_SECRET: "y".repeat(48),
  METABASE_EMBEDDING_SECRET_KEY: "b".repeat(64),
  POSTGRES_PASSWORD: "pw",
  CONTACT_EMAIL: "pilotage@example.gouv.fr",
};

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_m, name: string, op?: string, arg?: string) => {
      const set = env[name];
      if (set !== undefined && set !== "") return set;
      if (op === "-") return arg ?? "";
      if (op === "?") throw new Error(`compose would refuse to start: ${arg}`);
      return "";
    },
  );
}

describe("docker-compose.yml", () => {
  it("runs the gateway, Redis, Postgres and Metabase, each with a healthcheck", () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ["gateway", "metabase", "postgres", "redis"]);
    for (const [name, service] of Object.entries(compose.services)) {
      assert.ok(service.healthcheck, `${name} has a healthcheck`);
    }
  });

  it("gives the gateway every variable production requires", () => {
    const env = Object.fromEntries(
      Object.entries(compose.services.gateway!.environment ?? {}).map(([k, v]) => [
        k,
        interpolate(v, OPERATOR_ENV),
      ]),
    );
    const config = loadConfig(env);
    assert.equal(config.env, "production");
    assert.equal(config.redis.url, "redis://redis:6379");
    assert.equal(config.metabase.embeddingSecretKey, OPERATOR_ENV.METABASE_EMBEDDING_SECRET_KEY);
  });

  it("shares one embedding secret between the gateway and Metabase, with static embedding on", () => {
    const gateway = compose.services.gateway!.environment!;
    const metabase = compose.services.metabase!.environment!;
    assert.equal(
      interpolate(metabase.MB_EMBEDDING_SECRET_KEY!, OPERATOR_ENV),
      interpolate(gateway.METABASE_EMBEDDING_SECRET_KEY!, OPERATOR_ENV),
    );
    assert.equal(metabase.MB_ENABLE_EMBEDDING_STATIC, "true");
    assert.equal(metabase.MB_DB_TYPE, "postgres");
  });

  it("refuses to start when the operator forgets a secret", () => {
    const { SESSION_SECRET: _, ...missing } = OPERATOR_ENV;
    assert.throws(
      () => interpolate(compose.services.gateway!.environment!.SESSION_SECRET!, missing),
      /set SESSION_SECRET/,
    );
  });

  it("documents every configuration variable in .env.example", () => {
    const example = fs.readFileSync(path.join(ROOT, ".env.example"), "utf8");
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const config = fs.readFileSync(path.join(ROOT, "src/config.ts"), "utf8");
    const schema = config.slice(config.indexOf("const EnvSchema"), config.indexOf("type Env"));
    const read = [...schema.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    assert.ok(read.length > 15);
    assert.deepEqual(
      read.filter((name) => !documented.has(name)),
      [],
    );
  });
});
