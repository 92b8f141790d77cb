import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { bindMounts, namedVolumes } from "../../scripts/stack/compose.js";
import { GATEWAY_REPLICAS } from "../../scripts/stack/stack.js";
import { compose, read, services } from "./fixture.js";

describe("docker-compose.yml: services, start order, volumes and files", () => {
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
});
