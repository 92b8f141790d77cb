import assert from "node:assert/strict";
import { bindMounts, namedVolumes } from "../../scripts/stack/compose.js";
import {
  COMPOSE_ORIGINS,
  CONTAINER_PORTS,
  LAUNCHERS,
  requiredVariables,
  stackServices,
} from "../../scripts/stack/stack.js";
import { serviceReferences, translate } from "../../scripts/stack/translate.js";
import { compose, envOf, operatorEnv, services } from "./fixture.js";

describe("docker-compose.yml run by npm run stack", () => {
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
