import assert from "node:assert/strict";
import path from "node:path";
import { loadConfig, loadDemoProviderConfig } from "../../src/config.js";
import {
  composeVariables,
  MissingVariableError,
  namedVolumes,
  serviceEnvironment,
} from "../../scripts/stack/compose.js";
import { CONTAINER_PORTS, GATEWAY_REPLICAS } from "../../scripts/stack/stack.js";
import {
  compose,
  databaseUrl,
  envOf,
  onlyVariable,
  operatorEnv,
  postgresInit,
  raw,
  read,
  services,
} from "./fixture.js";

describe("docker-compose.yml: secrets, roles and variables", () => {
  describe("secrets and roles", () => {
    it("writes no password nor secret in the file: each comes from .env, required", () => {
      for (const [name, service] of Object.entries(services)) {
        for (const [variable, value] of Object.entries(service.environment)) {
          if (/PASSWORD|SECRET|_PASS$/.test(variable) && !variable.endsWith("_FILE")) {
            assert.match(value, /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${variable} comes from .env, required`);
          }
          for (const m of value.matchAll(/postgres:\/\/[^:]+:([^@]+)@/g)) {
            assert.match(
              m[1]!,
              /^\$\{[A-Z_]+:\?[^}]+\}$/,
              `${name}.${variable}: its password comes from .env`,
            );
          }
        }
      }
      assert.doesNotMatch(postgresInit, /PASSWORD '[^:]/);
    });

    it("refuses to start when the operator forgets a secret", () => {
      const { SESSION_SECRET: _, ...missing } = operatorEnv;
      assert.throws(
        () => serviceEnvironment(compose, "gateway-1", missing),
        (error: unknown) => error instanceof MissingVariableError && error.variable === "SESSION_SECRET",
      );
    });

    it("never gives the gateways nor the demo provider Metabase's API key, nor the bootstrap's secrets", () => {
      for (const service of [...GATEWAY_REPLICAS, "demo-idp", "caddy", "metabase", "redis", "postgres"]) {
        const names = Object.keys(services[service]!.environment);
        assert.deepEqual(
          names.filter((n) => /METABASE_(API_KEY|ADMIN|USERNAME|PASSWORD|SECRETS)/.test(n)),
          [],
          service,
        );
        assert.ok(!namedVolumes(services[service]!).some((v) => v.volume === "metabase-secrets"), service);
      }
      assert.deepEqual(namedVolumes(services.init!), [
        { volume: "metabase-secrets", target: "/secrets", readOnly: false },
      ]);
      assert.equal(path.dirname(envOf("init").METABASE_SECRETS_FILE!), "/secrets");
    });

    it("connects each process with its own role, whose password is the one Postgres created it with", () => {
      const created = new Map(
        [...postgresInit.matchAll(/CREATE ROLE ([a-z_]+) LOGIN PASSWORD :'([a-z_]+)';/g)].map((m) => [
          m[1]!,
          m[2]!,
        ]),
      );
      const psqlVariables = new Map(
        [...postgresInit.matchAll(/-v ([a-z_]+)="\$([A-Z_]+)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      const passwordOf = (role: string) => psqlVariables.get(created.get(role) ?? "");
      const expected: [string, string, string, string][] = [
        ["gateway-1", "DATABASE_URL", "gateway", "gateway"],
        ["gateway-1", "WAREHOUSE_URL", "gateway_reader", "warehouse"],
        ["gateway-2", "DATABASE_URL", "gateway", "gateway"],
        ["gateway-2", "WAREHOUSE_URL", "gateway_reader", "warehouse"],
        ["init", "DATABASE_URL", "gateway", "gateway"],
        ["init", "WAREHOUSE_URL", "warehouse", "warehouse"],
        ["init", "METABASE_WAREHOUSE_URL", "metabase_reader", "warehouse"],
      ];
      for (const [service, variable, role, database] of expected) {
        const url = databaseUrl(raw(service, variable));
        assert.deepEqual(
          { user: url.user, host: url.host, database: url.database, password: url.passwordVariable },
          { user: role, host: "postgres:5432", database, password: passwordOf(role) },
          `${service}.${variable}`,
        );
        // Postgres receives the same variable for its init script.
        assert.equal(onlyVariable(raw("postgres", url.passwordVariable)), url.passwordVariable);
      }
      const metabase = services.metabase!.environment;
      assert.deepEqual(
        {
          host: metabase.MB_DB_HOST,
          port: Number(metabase.MB_DB_PORT),
          database: metabase.MB_DB_DBNAME,
          user: metabase.MB_DB_USER,
          password: onlyVariable(metabase.MB_DB_PASS!),
        },
        {
          host: "postgres",
          port: CONTAINER_PORTS.postgres,
          database: "metabase",
          user: "metabase",
          password: passwordOf("metabase"),
        },
      );
      assert.deepEqual([...created.keys()].sort(), [
        "gateway",
        "gateway_reader",
        "metabase",
        "metabase_reader",
        "warehouse",
      ]);
      for (const [role, database] of [
        ["gateway", "gateway"],
        ["warehouse", "warehouse"],
        ["metabase", "metabase"],
      ]) {
        assert.match(postgresInit, new RegExp(`^CREATE DATABASE ${database} OWNER ${role};$`, "m"));
      }
    });

    it("grants the gateway's reader entrepot and annuaire, and Metabase's reader entrepot only", () => {
      assert.match(
        postgresInit,
        /^GRANT CONNECT ON DATABASE warehouse TO gateway_reader, metabase_reader;$/m,
      );
      assert.match(postgresInit, /^REVOKE ALL ON DATABASE gateway, warehouse, metabase FROM PUBLIC;$/m);
      const grants = [
        ...postgresInit.matchAll(/GRANT (USAGE|SELECT) ON (SCHEMA [a-z]+|%s) TO ([a-z_, ]+?)['";]/g),
      ].map((m) => `${m[1]} ${m[2]} → ${m[3]}`);
      assert.deepEqual(grants, [
        "USAGE SCHEMA entrepot → gateway_reader, metabase_reader",
        "USAGE SCHEMA annuaire → gateway_reader",
        "SELECT %s → gateway_reader, metabase_reader",
        "SELECT %s → gateway_reader",
      ]);
      assert.match(
        postgresInit,
        /created\.schema_name = 'entrepot' THEN\n\s+EXECUTE format\('GRANT SELECT ON %s TO gateway_reader, metabase_reader'/,
      );
      assert.match(
        postgresInit,
        /created\.schema_name = 'annuaire' THEN\n\s+EXECUTE format\('GRANT SELECT ON %s TO gateway_reader'/,
      );
    });
  });

  describe("variables", () => {
    it("gives the gateways every variable production requires, the same to both replicas", () => {
      const [first, second] = GATEWAY_REPLICAS.map(envOf);
      assert.deepEqual(second, first);
      const config = loadConfig(first!);
      assert.equal(config.redis.url, "redis://redis:6379");
      assert.equal(config.metabase.embeddingSecretKey, operatorEnv.METABASE_EMBEDDING_SECRET_KEY);
      assert.equal(config.proconnect.issuer, "https://proconnect.localhost/api/v2");
      assert.equal(config.proconnect.demoAccounts, true);
    });

    it("gives the demo provider the gateway's client and addresses, and init what the CLI needs", () => {
      const demo = loadDemoProviderConfig(envOf("demo-idp"));
      const gateway = loadConfig(envOf("gateway-1"));
      assert.deepEqual(
        {
          issuer: demo.issuer,
          clientId: demo.clientId,
          secret: demo.clientSecret,
          gateway: demo.gatewayPublicUrl,
        },
        {
          issuer: gateway.proconnect.issuer,
          clientId: gateway.proconnect.clientId,
          secret: gateway.proconnect.clientSecret,
          gateway: gateway.http.publicUrl,
        },
      );
      const init = loadConfig(envOf("init"), { for: "cli" });
      assert.equal(init.env, "production");
      assert.equal(init.seedDemoData, true);
      assert.equal(init.metabase.embeddingSecretKey, gateway.metabase.embeddingSecretKey);
    });

    it("documents every variable the file reads in .env.example, which compose then reads as .env", () => {
      const example = read(".env.example");
      const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
      assert.deepEqual(
        composeVariables(compose).filter((name) => !documented.has(name)),
        [],
      );
      assert.match(example, /^COMPOSE_PROFILES=demo$/m);
    });

    it("documents every configuration variable in .env.example", () => {
      const example = read(".env.example");
      const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
      const config = read("src/env-schema.ts");
      const schema = config.slice(config.indexOf("const EnvSchema"), config.indexOf("type Env"));
      const names = [...schema.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
      assert.ok(names.length > 15);
      assert.deepEqual(
        names.filter((name) => !documented.has(name)),
        [],
      );
    });
  });
});
