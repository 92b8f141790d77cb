import assert from "node:assert/strict";
import { loadConfig, loadDemoProviderConfig } from "../src/config.js";
import { isDemoIssuer } from "../src/demo-provider-config.js";
import { configProblems, PRODUCTION_OK } from "./support/production-env.js";

/**
 * What the deployments need from the configuration (docs/operations/): a session key rotated without
 * logging anyone out, the demo provider run on its own and the switches that trust it, and the CLI
 * in the compose stack's init service.
 */
describe("config for deployments", () => {
  describe("SESSION_SECRET, rotated", () => {
    it("reads a list, newest first: the first signs, the others are still accepted", () => {
      const newest = "n".repeat(40);
      const older = "o".repeat(40);
      const oldest = "p".repeat(40);
      const config = loadConfig({ ...PRODUCTION_OK, SESSION_SECRET: ` ${newest}, ${older} ,${oldest} ` });
      assert.deepEqual(
        {
          secret: config.session.secret,
          previous: config.session.previousSecrets,
          drawn: config.session.generatedSecret,
        },
        { secret: newest, previous: [older, oldest], drawn: false },
      );
      assert.deepEqual(loadConfig(PRODUCTION_OK).session.previousSecrets, []);
    });

    it("refuses a short key anywhere in the list, naming its place and never its value", () => {
      const problems = configProblems(() =>
        loadConfig({ ...PRODUCTION_OK, SESSION_SECRET: `${"n".repeat(40)},court` }),
      );
      assert.deepEqual(problems, [
        "SESSION_SECRET : trop courte (clé n° 2 de la liste) (au moins 32 caractères)",
      ]);
      assert.deepEqual(
        configProblems(() => loadConfig({ ...PRODUCTION_OK, SESSION_SECRET: " , " })),
        ["SESSION_SECRET : obligatoire en production (sinon une clé aléatoire est tirée à chaque démarrage)"],
      );
    });
  });

  describe("PROCONNECT_DEMO_ACCOUNTS", () => {
    it("trusts the demo accounts of a demo issuer on localhost, *.localhost or *.test", () => {
      for (const issuer of [
        "https://proconnect.localhost/api/v2",
        "https://localhost:8445/api/v2",
        "https://idp.demo.test/api/v2",
      ]) {
        const config = loadConfig({
          ...PRODUCTION_OK,
          PROCONNECT_ISSUER: issuer,
          PROCONNECT_DEMO_ACCOUNTS: "1",
        });
        assert.equal(config.proconnect.demoAccounts, true, issuer);
      }
      assert.equal(loadConfig(PRODUCTION_OK).proconnect.demoAccounts, false);
      assert.equal(
        loadConfig({ ...PRODUCTION_OK, PROCONNECT_DEMO_ACCOUNTS: "0" }).proconnect.demoAccounts,
        false,
      );
    });

    it("is refused with a real ProConnect, or any other issuer", () => {
      for (const issuer of [
        "https://fca.integ01.dev-agentconnect.fr/api/v2",
        "https://auth.agentconnect.gouv.fr/api/v2",
        "https://localhost.example.fr/api/v2",
        "https://test.evil/api/v2",
      ]) {
        assert.deepEqual(
          configProblems(() =>
            loadConfig({ ...PRODUCTION_OK, PROCONNECT_ISSUER: issuer, PROCONNECT_DEMO_ACCOUNTS: "1" }),
          ),
          [
            "PROCONNECT_DEMO_ACCOUNTS : réservé au fournisseur de démonstration, dont l'émetteur est sur localhost, *.localhost ou *.test ; retirez-le avec un vrai ProConnect",
          ],
          issuer,
        );
      }
      assert.deepEqual(
        configProblems(() => loadConfig({ PROCONNECT_DEMO_ACCOUNTS: "oui" })).map((p) => p.split(" : ")[0]),
        ["PROCONNECT_DEMO_ACCOUNTS"],
      );
    });

    it("knows the demo issuers by host name only", () => {
      assert.equal(isDemoIssuer("https://proconnect.localhost/api/v2"), true);
      assert.equal(isDemoIssuer("https://127.0.0.1:8445/api/v2"), true);
      assert.equal(isDemoIssuer("https://proconnect.localhost.gouv.fr/api/v2"), false);
      assert.equal(isDemoIssuer("https://auth.agentconnect.gouv.fr/api/v2?localhost"), false);
      assert.equal(isDemoIssuer("not a url"), false);
    });
  });

  describe("the demo provider on its own (src/demo-idp/main.ts)", () => {
    const PROVIDER_OK = {
      PORT: "4000",
      PUBLIC_URL: "https://localhost/",
      TRUST_PROXY: "1",
      PROCONNECT_ISSUER: "https://proconnect.localhost/api/v2/",
      PROCONNECT_CLIENT_ID: "pilotage",
      PROCONNECT_CLIENT_SECRET: "c".repeat(40),
    };

    it("reads the gateway's own variable names", () => {
      assert.deepEqual(loadDemoProviderConfig(PROVIDER_OK), {
        port: 4000,
        gatewayPublicUrl: "https://localhost",
        trustProxy: 1,
        log: { level: "info" },
        issuer: "https://proconnect.localhost/api/v2",
        clientId: "pilotage",
        clientSecret: "c".repeat(40),
        signingAlg: "RS256",
      });
    });

    it("refuses to pose as a real ProConnect, and names every missing piece", () => {
      assert.deepEqual(
        configProblems(() =>
          loadDemoProviderConfig({
            ...PROVIDER_OK,
            PROCONNECT_ISSUER: "https://auth.agentconnect.gouv.fr/api/v2",
          }),
        ),
        [
          "PROCONNECT_ISSUER : le fournisseur de démonstration ne sert que localhost, *.localhost ou *.test (jamais l'adresse d'un vrai ProConnect)",
        ],
      );
      assert.deepEqual(
        configProblems(() => loadDemoProviderConfig({ PROCONNECT_CLIENT_SECRET: "court" })),
        [
          "PUBLIC_URL : l'adresse publique de la passerelle, requise",
          "PROCONNECT_ISSUER : l'émetteur servi par ce fournisseur, requis",
          "PROCONNECT_CLIENT_SECRET : trop courte (au moins 32 caractères)",
        ],
      );
    });
  });

  describe("the CLI under NODE_ENV=production (the compose stack's init service)", () => {
    const INIT = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://gateway:pw@postgres:5432/gateway",
      WAREHOUSE_URL: "postgres://warehouse:pw@postgres:5432/warehouse",
      PILOTAGE_SEED_DEMO_DATA: "1",
    };

    it("needs no session key, Redis, issuer nor contact: only what each command checks", () => {
      const config = loadConfig(INIT, { for: "cli" });
      assert.deepEqual(
        { env: config.env, database: config.database.url, seedDemoData: config.seedDemoData },
        { env: "production", database: INIT.DATABASE_URL, seedDemoData: true },
      );
      assert.equal(loadConfig({ NODE_ENV: "production" }, { for: "cli" }).seedDemoData, false);
      // The server still refuses the same environment.
      assert.ok(configProblems(() => loadConfig(INIT)).length >= 5);
    });
  });
});
