import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { loadConfig, loadDemoProviderConfig } from "../src/config.js";
import {
  bindMounts,
  composeVariables,
  interpolate,
  MissingVariableError,
  namedVolumes,
  readCompose,
  serviceEnvironment,
  variablesOf,
} from "../scripts/stack/compose.js";
import {
  COMPOSE_ORIGINS,
  CONTAINER_PORTS,
  GATEWAY_REPLICAS,
  LAUNCHERS,
  operatorEnvironment,
  requiredVariables,
  stackServices,
} from "../scripts/stack/stack.js";
import { serviceReferences, translate } from "../scripts/stack/translate.js";

/**
 * No Docker engine runs here: docker-compose.yml is never started, so every cross-reference in it is
 * checked instead — services, ports, URLs, variables, roles and grants, volumes, healthchecks and the
 * start order — and against the stack (`npm run stack`, scripts/stack/), which runs this same file
 * without Docker and is started for real by test/stack/stack.test.ts.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const compose = readCompose();
const services = compose.services;
/** What the stack fills in as .env: a value for every variable compose requires. */
const operatorEnv = operatorEnvironment(compose);
const envOf = (service: string) => serviceEnvironment(compose, service, operatorEnv);
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const postgresInit = read("deploy/postgres-init.sh");
const caddyfile = read("deploy/Caddyfile");

/** The `${VAR…}` expression a value is made of, e.g. `${GATEWAY_DB_PASSWORD:?…}` → GATEWAY_DB_PASSWORD. */
function onlyVariable(value: string): string {
  const variables = variablesOf(value);
  assert.equal(variables.length, 1, `${value} refers to one operator variable`);
  return variables[0]!.name;
}

/** A postgres:// URL of the file, its password left as the variable it comes from. */
function databaseUrl(value: string): {
  user: string;
  passwordVariable: string;
  host: string;
  database: string;
} {
  const m = /^postgres:\/\/([a-z_]+):(\$\{[^}]+\})@([a-z0-9-]+:\d+)\/([a-z_]+)$/.exec(value);
  assert.ok(m, `${value} is postgres://role:\${PASSWORD}@service:port/database`);
  return { user: m[1]!, passwordVariable: onlyVariable(m[2]!), host: m[3]!, database: m[4]! };
}
const raw = (service: string, name: string) => {
  const value = services[service]?.environment[name];
  assert.ok(value !== undefined, `${service} has ${name}`);
  return value;
};

describe("docker-compose.yml", () => {
  describe("services and start order", () => {
    it("runs Caddy, two gateway replicas, the init step, the demo provider, Redis, Postgres and Metabase", () => {
      assert.deepEqual(Object.keys(services).sort(), [
        "caddy",
        "demo-idp",
        "gateway-1",
        "gateway-2",
        "init",
        "metabase",
        "postgres",
        "redis",
      ]);
      assert.deepEqual([...GATEWAY_REPLICAS], ["gateway-1", "gateway-2"]);
      // The demo provider only with the `demo` profile: a production deployment never starts it.
      assert.deepEqual(services["demo-idp"]!.profiles, ["demo"]);
      for (const [name, service] of Object.entries(services)) {
        if (name !== "demo-idp") assert.equal(service.profiles, undefined, `${name} runs in every profile`);
      }
    });

    it("gives every long-running service a healthcheck, and the one-shot init none and no restart", () => {
      for (const [name, service] of Object.entries(services)) {
        if (name === "init") {
          assert.equal(service.healthcheck, undefined);
          assert.equal(service.restart, "no");
        } else {
          assert.ok(service.healthcheck, `${name} has a healthcheck`);
          assert.equal(service.restart, "unless-stopped", `${name} restarts`);
        }
      }
    });

    it("starts the replicas only after init succeeded and their stores and Caddy are healthy", () => {
      for (const replica of GATEWAY_REPLICAS) {
        assert.deepEqual(services[replica]!.depends_on, {
          init: { condition: "service_completed_successfully" },
          redis: { condition: "service_healthy" },
          postgres: { condition: "service_healthy" },
          caddy: { condition: "service_healthy" },
        });
      }
      // Migrations, the bootstrap and apply need Postgres and Metabase up; Metabase its application database.
      assert.deepEqual(services.init!.depends_on, {
        postgres: { condition: "service_healthy" },
        metabase: { condition: "service_healthy" },
      });
      assert.deepEqual(services.metabase!.depends_on, { postgres: { condition: "service_healthy" } });
      for (const name of ["caddy", "redis", "postgres", "demo-idp"]) {
        assert.deepEqual(services[name]!.depends_on, {}, `${name} waits for nothing`);
      }
    });

    it("has an acyclic dependency graph whose healthy conditions point at healthchecks", () => {
      const visiting = new Set<string>();
      const done = new Set<string>();
      const visit = (name: string, trail: string[]) => {
        assert.ok(!visiting.has(name), `dependency cycle: ${[...trail, name].join(" → ")}`);
        if (done.has(name)) return;
        visiting.add(name);
        for (const [dependency, { condition }] of Object.entries(services[name]!.depends_on)) {
          assert.ok(services[dependency], `${name} depends on an unknown service ${dependency}`);
          assert.ok(
            ["service_started", "service_healthy", "service_completed_successfully"].includes(condition),
          );
          if (condition === "service_healthy") assert.ok(services[dependency]!.healthcheck, dependency);
          visit(dependency, [...trail, name]);
        }
        visiting.delete(name);
        done.add(name);
      };
      for (const name of Object.keys(services)) visit(name, []);
    });

    it("runs the init script's steps in order, the API key read back from the bootstrap's file", () => {
      assert.deepEqual(services.init!.command, ["sh", "deploy/init.sh"]);
      const script = read("deploy/init.sh");
      const steps = [...script.matchAll(/^\s*pilotage ([a-z]+(?: [a-z]+)?)/gm)].map((m) => m[1]);
      assert.deepEqual(steps, ["migrate", "seed", "metabase bootstrap", "apply"]);
      assert.match(
        script,
        /if \[ "\$\{PILOTAGE_SEED_DEMO_DATA:-0\}" = 1 \]; then\n(.*\n){1,3}\s*pilotage seed/,
      );
      assert.match(script, /pilotage metabase bootstrap --secrets-file "\$METABASE_SECRETS_FILE"/);
      assert.match(script, /set -a\n.*\n\. "\$METABASE_SECRETS_FILE"\nset \+a\n/);
      assert.match(script, /^set -eu$/m);
    });
  });

  describe("addresses", () => {
    it("publishes only Caddy's ports: the gateways, Metabase and the stores are reached through it or not at all", () => {
      for (const [name, service] of Object.entries(services)) {
        assert.deepEqual(service.ports, name === "caddy" ? ["80:80", "443:443", "443:443/udp"] : [], name);
      }
    });

    it("refers to services only at the ports they listen on", () => {
      const names = Object.keys(services);
      const references = Object.entries(services).flatMap(([name, service]) =>
        [
          ...Object.values(service.environment).map((v) => interpolate(v, operatorEnv)),
          ...(service.command ?? []),
        ]
          .flatMap((value) => serviceReferences(value, names))
          .map((reference) => `${name} → ${reference}`),
      );
      assert.deepEqual(references.sort(), [
        "caddy → demo-idp:3000",
        "caddy → gateway-1:3000",
        "caddy → gateway-2:3000",
        "caddy → metabase:3000",
        "gateway-1 → metabase:3000",
        "gateway-1 → postgres:5432",
        "gateway-1 → postgres:5432",
        "gateway-1 → redis:6379",
        "gateway-2 → metabase:3000",
        "gateway-2 → postgres:5432",
        "gateway-2 → postgres:5432",
        "gateway-2 → redis:6379",
        "init → metabase:3000",
        "init → postgres:5432",
        "init → postgres:5432",
        "init → postgres:5432",
      ]);
      for (const reference of references) {
        const [service, port] = reference.split(" → ")[1]!.split(":");
        assert.equal(CONTAINER_PORTS[service!], Number(port), reference);
      }
      for (const service of ["gateway-1", "gateway-2", "demo-idp"]) {
        assert.equal(envOf(service).PORT, String(CONTAINER_PORTS[service]));
      }
    });

    it("serves each public site through Caddy, under the addresses the gateway and Metabase are given", () => {
      const caddy = envOf("caddy");
      const gateway = envOf("gateway-1");
      const demo = envOf("demo-idp");
      assert.equal(caddy.PUBLIC_URL, gateway.PUBLIC_URL);
      assert.equal(caddy.PUBLIC_URL, COMPOSE_ORIGINS.gateway);
      assert.equal(caddy.METABASE_SITE_URL, gateway.METABASE_SITE_URL);
      assert.equal(caddy.METABASE_SITE_URL, COMPOSE_ORIGINS.metabase);
      assert.equal(envOf("metabase").MB_SITE_URL, gateway.METABASE_SITE_URL);
      assert.equal(caddy.DEMO_PROCONNECT_URL, COMPOSE_ORIGINS.proconnect);
      assert.equal(gateway.PROCONNECT_ISSUER, `${caddy.DEMO_PROCONNECT_URL}/api/v2`);
      assert.equal(demo.PROCONNECT_ISSUER, gateway.PROCONNECT_ISSUER);
      assert.equal(demo.PUBLIC_URL, gateway.PUBLIC_URL);
      // Inside the network the demo issuer's name must be Caddy too (the gateways discover it server-side).
      assert.deepEqual(services.caddy!.networks?.default?.aliases, [
        new URL(caddy.DEMO_PROCONNECT_URL!).hostname,
      ]);
      // Upstreams: the replicas and the services at the ports they listen on.
      assert.equal(caddy.GATEWAY_UPSTREAMS, GATEWAY_REPLICAS.map((r) => `${r}:${envOf(r).PORT}`).join(" "));
      assert.equal(caddy.METABASE_UPSTREAM, `metabase:${CONTAINER_PORTS.metabase}`);
      assert.equal(caddy.DEMO_PROCONNECT_UPSTREAM, `demo-idp:${demo.PORT}`);
      // Site addresses must carry no path (Caddy would read it as a matcher).
      for (const site of [caddy.PUBLIC_URL, caddy.METABASE_SITE_URL, caddy.DEMO_PROCONNECT_URL]) {
        assert.equal(new URL(site!).origin, site);
      }
    });

    it("gives the browser's Metabase address for frames and the network's for the gateway's own calls", () => {
      for (const service of ["gateway-1", "gateway-2", "init"]) {
        assert.equal(envOf(service).METABASE_SITE_URL, COMPOSE_ORIGINS.metabase);
        assert.equal(envOf(service).METABASE_INTERNAL_URL, `http://metabase:${CONTAINER_PORTS.metabase}`);
      }
    });

    it("uses in Caddyfile exactly the variables the caddy service sets, and routes each site", () => {
      const used = new Set([...caddyfile.matchAll(/\{\$([A-Z_]+)(?::[^}]*)?\}/g)].map((m) => m[1]!));
      const withDefault = new Set([...caddyfile.matchAll(/\{\$([A-Z_]+):[^}]*\}/g)].map((m) => m[1]!));
      const set = new Set(Object.keys(services.caddy!.environment));
      assert.deepEqual(
        [...used].filter((name) => !set.has(name) && !withDefault.has(name)),
        [],
      );
      assert.deepEqual(
        [...set].filter((name) => !used.has(name)),
        [],
      );
      for (const [site, upstream] of [
        ["PUBLIC_URL", "GATEWAY_UPSTREAMS"],
        ["METABASE_SITE_URL", "METABASE_UPSTREAM"],
        ["DEMO_PROCONNECT_URL", "DEMO_PROCONNECT_UPSTREAM"],
      ]) {
        assert.match(
          caddyfile,
          new RegExp(`^\\{\\$${site}\\} \\{\\n(\\t.*\\n)*?\\treverse_proxy \\{\\$${upstream}\\}`, "m"),
        );
      }
      // The demo provider's site never asks a public CA for a certificate.
      assert.match(caddyfile, /^\{\$DEMO_PROCONNECT_URL\} \{\n\ttls internal\n/m);
      assert.match(caddyfile, /^\tskip_install_trust$/m);
    });
  });

  describe("TLS end to end", () => {
    it("tells the gateways they are behind one proxy, at an https address", () => {
      for (const replica of GATEWAY_REPLICAS) {
        const env = envOf(replica);
        assert.equal(env.TRUST_PROXY, "1");
        assert.ok(env.PUBLIC_URL?.startsWith("https://"));
        const config = loadConfig(env);
        assert.equal(config.http.trustProxy, 1);
        assert.equal(config.env, "production");
      }
      assert.equal(envOf("demo-idp").TRUST_PROXY, "1");
    });

    it("hands the gateways Caddy's CA through a volume Caddy's healthcheck fills", () => {
      const caddy = services.caddy!;
      const caVolume = namedVolumes(caddy).find((v) => v.target === "/caddy-ca");
      assert.deepEqual(caVolume, { volume: "caddy-ca", target: "/caddy-ca", readOnly: false });
      assert.deepEqual(caddy.healthcheck?.test, [
        "CMD-SHELL",
        "cp /data/caddy/pki/authorities/local/root.crt /caddy-ca/root.crt && chmod 644 /caddy-ca/root.crt",
      ]);
      assert.ok(namedVolumes(caddy).some((v) => v.volume === "caddy-data" && v.target === "/data"));
      for (const replica of GATEWAY_REPLICAS) {
        assert.equal(envOf(replica).NODE_EXTRA_CA_CERTS, "/caddy-ca/root.crt");
        assert.deepEqual(namedVolumes(services[replica]!), [
          { volume: "caddy-ca", target: "/caddy-ca", readOnly: true },
        ]);
      }
    });
  });

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

  describe("volumes and files", () => {
    it("declares every named volume it mounts, mounts every one it declares, and keeps Redis and Postgres data", () => {
      const mounted = new Set(Object.values(services).flatMap((s) => namedVolumes(s).map((v) => v.volume)));
      assert.deepEqual([...mounted].sort(), Object.keys(compose.volumes).sort());
      assert.deepEqual(namedVolumes(services.redis!), [
        { volume: "redis-data", target: "/data", readOnly: false },
      ]);
      assert.deepEqual(namedVolumes(services.postgres!), [
        { volume: "postgres-data", target: "/var/lib/postgresql/data", readOnly: false },
      ]);
      for (const [name, service] of Object.entries(services)) {
        for (const mount of bindMounts(service))
          assert.ok(fs.existsSync(mount.source), `${name}: ${mount.source}`);
      }
    });

    it("keeps Redis's append-only file, so that sessions survive a restart", () => {
      assert.deepEqual(services.redis!.command, [
        "redis-server",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
      ]);
    });

    it("builds the images from targets the Dockerfile defines, the CLI and the init script inside", () => {
      const dockerfile = read("Dockerfile");
      const targets = [...dockerfile.matchAll(/^FROM \S+ AS ([a-z-]+)$/gm)].map((m) => m[1]);
      for (const [name, service] of Object.entries(services)) {
        if (service.build)
          assert.ok(targets.includes(service.build.target), `${name} → ${service.build.target}`);
      }
      assert.equal(targets.at(-1), "gateway", "a plain `docker build .` builds the gateway");
      assert.match(dockerfile, /^COPY deploy\/init\.sh \.\/deploy\/init\.sh$/m);
      assert.match(dockerfile, /ln -s \/app\/bin\/pilotage\.js \/usr\/local\/bin\/pilotage/);
      assert.match(dockerfile, /chown node:node \/secrets/);
    });

    it("pins Caddy and Postgres to the versions the stack runs, and Metabase to the test server's", () => {
      assert.equal(services.caddy!.image, "caddy:2.6.2-alpine");
      assert.equal(services.postgres!.image, "postgres:15");
      assert.equal(services.metabase!.image, "metabase/metabase:${METABASE_VERSION:-v0.57.2}");
      const testServer = read("test/support/metabase-server/main.ts");
      assert.match(testServer, /version: \{ type: "string", default: "v0\.57\.2" \}/);
      const caddy = execFileSync("caddy", ["version"], { encoding: "utf8" });
      assert.match(caddy, /^v?2\.6\.2\b/);
      assert.ok(fs.existsSync("/usr/lib/postgresql/15/bin/postgres"), "Debian bookworm's Postgres 15");
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
      const config = read("src/config.ts");
      const schema = config.slice(config.indexOf("const EnvSchema"), config.indexOf("type Env"));
      const names = [...schema.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
      assert.ok(names.length > 15);
      assert.deepEqual(
        names.filter((name) => !documented.has(name)),
        [],
      );
    });
  });

  describe("npm run stack, the same file without Docker", () => {
    it("knows how to run every service the file declares, the demo profile included", () => {
      assert.deepEqual(Object.keys(LAUNCHERS).sort(), Object.keys(services).sort());
      assert.deepEqual(stackServices(compose).sort(), Object.keys(services).sort());
      assert.deepEqual(Object.keys(CONTAINER_PORTS).sort(), Object.keys(services).sort());
    });

    it("fills every variable compose requires, and no other secret", () => {
      assert.deepEqual(
        Object.keys(operatorEnv).sort(),
        [
          ...requiredVariables(compose),
          "LOG_LEVEL",
          "PILOTAGE_SEED_DEMO_DATA",
          "PROCONNECT_DEMO_ACCOUNTS",
        ].sort(),
      );
      for (const service of Object.keys(services)) assert.doesNotThrow(() => envOf(service));
    });

    it("translates every address and path of every service to this machine", () => {
      const addresses = {
        origins: new Map(
          Object.values(COMPOSE_ORIGINS).map((origin, i) => [origin, `https://localhost:${8443 + i}`]),
        ),
        services: new Map(
          Object.entries(CONTAINER_PORTS)
            .filter((e): e is [string, number] => e[1] !== undefined)
            .map(([service, port], i) => [`${service}:${port}`, 40_000 + i]),
        ),
      };
      const names = Object.keys(services);
      for (const [name, service] of Object.entries(services)) {
        const mounts = new Map([
          ...namedVolumes(service).map((v) => [v.target, `/stack/volumes/${v.volume}`] as const),
          ...bindMounts(service).map((m) => [m.target, m.source] as const),
        ]);
        const own = CONTAINER_PORTS[name];
        const view = { ownPorts: new Map(own ? [[own, 50_000]] : []), mounts };
        const values = [
          ...Object.values(envOf(name)),
          ...(service.command ?? []),
          ...[service.healthcheck?.test ?? []].flat(),
        ].map((value) => translate(value, addresses, view));
        for (const value of values) {
          assert.deepEqual(serviceReferences(value, names), [], `${name}: ${value}`);
          for (const origin of Object.values(COMPOSE_ORIGINS)) {
            assert.doesNotMatch(
              value,
              new RegExp(`${origin.replace(/\./g, "\\.")}(?![\\w.:-])`),
              `${name}: ${value}`,
            );
          }
          assert.doesNotMatch(value, /127\.0\.0\.1:(3000|5432|6379)\b/, `${name}: ${value}`);
          for (const target of mounts.keys()) {
            assert.doesNotMatch(value, new RegExp(`(^|[\\s'"=])${target}(/|$|[\\s'"])`), `${name}: ${value}`);
          }
        }
      }
      assert.equal(
        translate("postgres://gateway:pw@postgres:5432/gateway", addresses),
        `postgres://gateway:pw@127.0.0.1:${addresses.services.get("postgres:5432")}/gateway`,
      );
      assert.equal(
        translate("https://proconnect.localhost/api/v2", addresses),
        "https://localhost:8445/api/v2",
      );
      assert.equal(translate("https://localhost", addresses), "https://localhost:8443");
    });
  });
});
