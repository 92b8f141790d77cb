import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.js";
import { interpolate, namedVolumes } from "../../scripts/stack/compose.js";
import { COMPOSE_ORIGINS, CONTAINER_PORTS, GATEWAY_REPLICAS } from "../../scripts/stack/stack.js";
import { serviceReferences } from "../../scripts/stack/translate.js";
import { caddyfile, envOf, operatorEnv, services } from "./fixture.js";

describe("docker-compose.yml: addresses and TLS", () => {
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

    it("serves the gateways' metrics inside the network only: another port, never published, never proxied", () => {
      for (const replica of GATEWAY_REPLICAS) {
        const env = envOf(replica);
        assert.deepEqual(
          { port: env.METRICS_PORT, host: env.METRICS_HOST },
          { port: "9464", host: "0.0.0.0" },
        );
        assert.notEqual(env.METRICS_PORT, env.PORT);
        assert.deepEqual(loadConfig(env).metrics, { port: 9464, host: "0.0.0.0" });
      }
      assert.doesNotMatch(JSON.stringify(services.caddy!.environment), /:9464\b/);
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
        // Flat memory per replica, which the soak measures (docs/testing.md).
        assert.equal(envOf(replica).NODE_OPTIONS, "--max-semi-space-size=16");
        assert.deepEqual(namedVolumes(services[replica]!), [
          { volume: "caddy-ca", target: "/caddy-ca", readOnly: true },
        ]);
      }
    });
  });
});
