import assert from "node:assert/strict";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";
import { configProblems, PRODUCTION_OK } from "./support/production-env.js";

const problemsOf = (env: Record<string, string>) => configProblems(() => loadConfig(env));

describe("config", () => {
  it("runs on embedded defaults outside production", () => {
    const config = loadConfig({});
    assert.equal(config.env, "development");
    assert.equal(config.http.port, 3000);
    assert.equal(config.http.publicUrl, "http://localhost:3000");
    assert.equal(config.redis.url, undefined);
    assert.equal(config.database.url, undefined);
    assert.equal(config.proconnect.issuer, undefined);
    assert.equal(config.metabase.embedTokenTtlSeconds, 600);
    assert.equal(config.session.generatedSecret, true);
    assert.equal(config.session.secret.length, 64);
  });

  it("accepts a complete production configuration", () => {
    const config = loadConfig(PRODUCTION_OK);
    assert.equal(config.env, "production");
    assert.equal(config.session.generatedSecret, false);
    assert.equal(config.proconnect.issuer, "https://fca.integ01.dev-agentconnect.fr/api/v2");
  });

  it("reports every problem at once, in one message", () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: "not-a-port",
        REDIS_URL: "nope",
        SESSION_SECRET: "short",
        METABASE_EMBEDDING_SECRET_KEY: "ABC",
        EMBED_TOKEN_TTL_SECONDS: "-5",
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    assert.deepEqual(
      caught.problems.map((p) => p.split(" : ")[0]),
      ["PORT", "REDIS_URL", "EMBED_TOKEN_TTL_SECONDS", "METABASE_EMBEDDING_SECRET_KEY", "SESSION_SECRET"],
    );
    for (const name of ["PORT", "REDIS_URL", "SESSION_SECRET", "METABASE_EMBEDDING_SECRET_KEY"]) {
      assert.match(caught.message, new RegExp(name));
    }
  });

  const refusals: Array<[string, string]> = [
    [
      "REDIS_URL",
      "REDIS_URL : obligatoire en production (sinon sessions et limites de débit restent en mémoire)",
    ],
    [
      "DATABASE_URL",
      "DATABASE_URL : obligatoire en production (sinon la base de la passerelle est un PGlite embarqué)",
    ],
    [
      "WAREHOUSE_URL",
      "WAREHOUSE_URL : obligatoire en production (sinon l'entrepôt est un PGlite de données synthétiques)",
    ],
    [
      "PROCONNECT_ISSUER",
      "PROCONNECT_ISSUER : obligatoire en production (sinon le fournisseur d'identité de démonstration est utilisé)",
    ],
    [
      "SESSION_SECRET",
      "SESSION_SECRET : obligatoire en production (sinon une clé aléatoire est tirée à chaque démarrage)",
    ],
    ["METABASE_SITE_URL", "METABASE_SITE_URL : obligatoire en production (adresse de l'instance Metabase)"],
    [
      "PUBLIC_URL",
      "PUBLIC_URL : obligatoire en production (adresse publique du service, base des URL de retour ProConnect)",
    ],
    [
      "CONTACT_EMAIL",
      "CONTACT_EMAIL : obligatoire en production (la déclaration d'accessibilité doit donner un moyen de contact)",
    ],
    [
      "TRUST_PROXY",
      "TRUST_PROXY : obligatoire en production (derrière le proxy TLS, sans lui le cookie de session n'est jamais envoyé : 1 pour un proxy)",
    ],
  ];
  for (const [name, message] of refusals) {
    it(`refuses to start in production without ${name}`, () => {
      const env: Record<string, string> = { ...PRODUCTION_OK };
      delete env[name];
      if (name === "PROCONNECT_ISSUER") {
        delete env.PROCONNECT_CLIENT_ID;
        delete env.PROCONNECT_CLIENT_SECRET;
      }
      if (name === "METABASE_SITE_URL") delete env.METABASE_EMBEDDING_SECRET_KEY;
      assert.deepEqual(problemsOf(env), [message]);
    });
  }

  it("names each missing piece when production runs on all the embedded defaults", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    assert.deepEqual(
      problems.map((p) => p.split(" : ")[0]),
      [
        "PUBLIC_URL",
        "TRUST_PROXY",
        "SESSION_SECRET",
        "REDIS_URL",
        "DATABASE_URL",
        "WAREHOUSE_URL",
        "PROCONNECT_ISSUER",
        "METABASE_SITE_URL",
        "CONTACT_EMAIL",
      ],
    );
  });

  it("refuses short secrets, a missing client secret and a plain-http public URL in production", () => {
    assert.deepEqual(
      problemsOf({
        ...PRODUCTION_OK,
        SESSION_SECRET: "too-short",
        PROCONNECT_CLIENT_SECRET: "",
        PUBLIC_URL: "http://pilotage.example.gouv.fr",
      }),
      [
        "SESSION_SECRET : trop courte (au moins 32 caractères)",
        "PROCONNECT_CLIENT_SECRET : requis dès que PROCONNECT_ISSUER est défini",
        "PUBLIC_URL : doit être en https en production",
      ],
    );
  });

  it("refuses a Metabase secret that is not 64 lower-case hex characters", () => {
    assert.deepEqual(problemsOf({ ...PRODUCTION_OK, METABASE_EMBEDDING_SECRET_KEY: "A".repeat(64) }), [
      "METABASE_EMBEDDING_SECRET_KEY : doit faire 64 caractères hexadécimaux en minuscules (la clé affichée par Metabase, Admin > Intégration)",
    ]);
  });

  it("bounds the embed token lifetime, and reads a numeric TRUST_PROXY as a hop count", () => {
    assert.deepEqual(problemsOf({ EMBED_TOKEN_TTL_SECONDS: "31536000" }), [
      "EMBED_TOKEN_TTL_SECONDS : au plus 3600 secondes (une heure)",
    ]);
    assert.equal(loadConfig({ TRUST_PROXY: "1" }).http.trustProxy, 1);
    assert.equal(loadConfig({ TRUST_PROXY: "loopback" }).http.trustProxy, "loopback");
  });

  it("never puts a secret value in its error message", () => {
    const secret = "z".repeat(10);
    let message = "";
    try {
      loadConfig({ SESSION_SECRET: secret, PROCONNECT_CLIENT_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    assert.ok(message.length > 0);
    assert.ok(!message.includes(secret));
  });

  it("reads the login rate limit, 60 per minute by default", () => {
    assert.equal(loadConfig({}).loginRateLimitPerMinute, 60);
    assert.equal(loadConfig({ LOGIN_RATE_LIMIT_PER_MINUTE: "5" }).loginRateLimitPerMinute, 5);
    assert.deepEqual(
      problemsOf({ LOGIN_RATE_LIMIT_PER_MINUTE: "0" }).map((p) => p.split(" : ")[0]),
      ["LOGIN_RATE_LIMIT_PER_MINUTE"],
    );
  });

  it("reads the retention periods (the audit's identities at least 30 days) and Matomo, both or neither", () => {
    assert.deepEqual(loadConfig({}).retention, { auditIdentityDays: 365, visitDays: 395 });
    assert.equal(loadConfig({}).matomo, undefined);
    assert.deepEqual(
      loadConfig({ MATOMO_URL: "https://mesure.example.gouv.fr/", MATOMO_SITE_ID: "12" }).matomo,
      { url: "https://mesure.example.gouv.fr", siteId: "12" },
    );
    assert.deepEqual(problemsOf({ MATOMO_URL: "https://mesure.example.gouv.fr" }), [
      "MATOMO_SITE_ID : requis dès que MATOMO_URL est défini (Matomo, Administration > Sites)",
    ]);
    assert.deepEqual(problemsOf({ MATOMO_SITE_ID: "douze" }), [
      "MATOMO_SITE_ID : MATOMO_SITE_ID doit être le numéro du site dans Matomo (par exemple 12)",
      "MATOMO_URL : requis dès que MATOMO_SITE_ID est défini",
    ]);
    assert.deepEqual(problemsOf({ AUDIT_IDENTITY_RETENTION_DAYS: "7" }), [
      "AUDIT_IDENTITY_RETENTION_DAYS : au moins 30 jours",
    ]);
  });

  it("reads the export limits, with their defaults", () => {
    assert.deepEqual(loadConfig({}).export, {
      rowCap: 1_048_575,
      statementTimeoutSeconds: 60,
      rateLimitPerMinute: 20,
      concurrency: 4,
    });
    assert.deepEqual(
      loadConfig({
        EXPORT_ROW_CAP: "10",
        EXPORT_STATEMENT_TIMEOUT_SECONDS: "2",
        EXPORT_RATE_LIMIT_PER_MINUTE: "3",
        EXPORT_CONCURRENCY: "2",
      }).export,
      { rowCap: 10, statementTimeoutSeconds: 2, rateLimitPerMinute: 3, concurrency: 2 },
    );
    assert.deepEqual(
      problemsOf({
        EXPORT_ROW_CAP: "0",
        EXPORT_STATEMENT_TIMEOUT_SECONDS: "soixante",
        EXPORT_CONCURRENCY: "0",
      }).map((p) => p.split(" : ")[0]),
      ["EXPORT_ROW_CAP", "EXPORT_STATEMENT_TIMEOUT_SECONDS", "EXPORT_CONCURRENCY"],
    );
  });

  it("gives the result cache REDIS_URL's next logical database unless CACHE_REDIS_URL says otherwise", () => {
    assert.deepEqual(loadConfig({}).cache, {
      url: undefined,
      ttlSeconds: 3600,
      maxEntryBytes: 1_048_576,
      memoryMaxBytes: 64 * 1024 * 1024,
      publicPageSeconds: 60,
    });
    assert.equal(loadConfig({}).publicRateLimitPerMinute, 120);
    assert.equal(loadConfig({ REDIS_URL: "redis://:pw@redis:6379" }).cache.url, "redis://:pw@redis:6379/1");
    assert.equal(loadConfig({ REDIS_URL: "redis://redis:6379/4" }).cache.url, "redis://redis:6379/5");
    assert.equal(
      loadConfig({ REDIS_URL: "redis://redis:6379", CACHE_REDIS_URL: "redis://cache:6379/0" }).cache.url,
      "redis://cache:6379/0",
    );
    // Never the sessions' database: eviction there would log people out.
    assert.deepEqual(
      problemsOf({ REDIS_URL: "redis://redis:6379/2", CACHE_REDIS_URL: "redis://redis:6379/2" }),
      [
        "CACHE_REDIS_URL : ne doit pas désigner la base Redis des sessions (REDIS_URL) ; prenez une autre base logique ou instance",
      ],
    );
    // The same database written two ways: Redis' default port, a host name's case.
    for (const [sessions, cache] of [
      ["redis://redis/2", "redis://redis:6379/2"],
      ["redis://:pw@Redis:6379/2", "redis://REDIS/2"],
      ["redis://redis:6379", "redis://redis/0"],
    ] as const) {
      assert.deepEqual(
        problemsOf({ REDIS_URL: sessions, CACHE_REDIS_URL: cache }),
        [
          "CACHE_REDIS_URL : ne doit pas désigner la base Redis des sessions (REDIS_URL) ; prenez une autre base logique ou instance",
        ],
        `${sessions} and ${cache}`,
      );
    }
    assert.equal(
      loadConfig({ REDIS_URL: "redis://redis/2", CACHE_REDIS_URL: "redis://redis:6380/2" }).cache.url,
      "redis://redis:6380/2",
    );
    assert.deepEqual(problemsOf({ REDIS_URL: "redis://redis:6379/15" }), [
      "CACHE_REDIS_URL : REDIS_URL utilise la dernière base logique de Redis (15) ; donnez au cache sa propre base ou instance",
    ]);
    // A cached public page carries an embed token: it never outlives half of it.
    assert.equal(loadConfig({ EMBED_TOKEN_TTL_SECONDS: "60" }).cache.publicPageSeconds, 30);
  });

  it("reads the request deadline, 5 s by default, in seconds with decimals", () => {
    assert.deepEqual(loadConfig({}).limits, { requestDeadlineMs: 5_000 });
    assert.deepEqual(loadConfig({ REQUEST_DEADLINE_SECONDS: "1.5" }).limits, { requestDeadlineMs: 1_500 });
    assert.deepEqual(problemsOf({ REQUEST_DEADLINE_SECONDS: "0.1" }), [
      "REQUEST_DEADLINE_SECONDS : au moins 0,5 seconde",
    ]);
    assert.deepEqual(problemsOf({ REQUEST_DEADLINE_SECONDS: "600" }), [
      "REQUEST_DEADLINE_SECONDS : au plus 60 secondes",
    ]);
  });

  it("refuses an unknown minimum acr", () => {
    assert.equal(loadConfig({ PROCONNECT_MIN_ACR: "eidas2" }).proconnect.minAcr, "eidas2");
    assert.deepEqual(problemsOf({ PROCONNECT_MIN_ACR: "eidas9" }), [
      "PROCONNECT_MIN_ACR : valeur inconnue (attendu : eidas0, eidas0-mfa, eidas1, eidas1-mfa, eidas2, eidas3)",
    ]);
  });

  it("refuses a plain-http ProConnect issuer in production", () => {
    assert.deepEqual(
      problemsOf({ ...PRODUCTION_OK, PROCONNECT_ISSUER: "http://fca.integ01.dev-agentconnect.fr/api/v2" }),
      ["PROCONNECT_ISSUER : doit être en https en production"],
    );
  });

  describe("the two Metabase addresses (issue 18)", () => {
    const SECRET = { METABASE_EMBEDDING_SECRET_KEY: "a".repeat(64) };

    it("gives the browser's and the server's address apart, each defaulting to the other", () => {
      const both = loadConfig({
        ...SECRET,
        METABASE_SITE_URL: "https://stats.example.gouv.fr/",
        METABASE_INTERNAL_URL: "http://metabase:3000/",
      }).metabase;
      assert.deepEqual(
        { siteUrl: both.siteUrl, internalUrl: both.internalUrl },
        { siteUrl: "https://stats.example.gouv.fr", internalUrl: "http://metabase:3000" },
      );
      const siteOnly = loadConfig({ ...SECRET, METABASE_SITE_URL: "https://stats.example.gouv.fr" }).metabase;
      assert.deepEqual(
        { siteUrl: siteOnly.siteUrl, internalUrl: siteOnly.internalUrl },
        { siteUrl: "https://stats.example.gouv.fr", internalUrl: "https://stats.example.gouv.fr" },
      );
      const internalOnly = loadConfig({ ...SECRET, METABASE_INTERNAL_URL: "http://metabase:3000" }).metabase;
      assert.deepEqual(
        { siteUrl: internalOnly.siteUrl, internalUrl: internalOnly.internalUrl },
        { siteUrl: "http://metabase:3000", internalUrl: "http://metabase:3000" },
      );
      const none = loadConfig({}).metabase;
      assert.deepEqual(
        { siteUrl: none.siteUrl, internalUrl: none.internalUrl },
        {
          siteUrl: undefined,
          internalUrl: undefined,
        },
      );
    });

    it("refuses a malformed internal address, and an address without the embedding secret", () => {
      assert.deepEqual(problemsOf({ ...SECRET, METABASE_INTERNAL_URL: "metabase.internal" }), [
        "METABASE_INTERNAL_URL : METABASE_INTERNAL_URL doit être une URL complète (par exemple https://exemple.gouv.fr)",
      ]);
      assert.deepEqual(problemsOf({ METABASE_INTERNAL_URL: "http://metabase:3000" }), [
        "METABASE_EMBEDDING_SECRET_KEY : requise dès que METABASE_INTERNAL_URL est définie",
      ]);
    });

    it("accepts production with the internal address only (the frames then use it too)", () => {
      const env: Record<string, string> = { ...PRODUCTION_OK, METABASE_INTERNAL_URL: "http://metabase:3000" };
      delete env.METABASE_SITE_URL;
      assert.equal(loadConfig(env).metabase.siteUrl, "http://metabase:3000");
    });
  });

  describe("for the CLI", () => {
    it("asks nothing of the gateway's production set-up: each command checks what it needs", () => {
      const config = loadConfig(
        { NODE_ENV: "production", METABASE_INTERNAL_URL: "http://metabase:3000" },
        { for: "cli" },
      );
      assert.equal(config.env, "production");
      assert.equal(config.metabase.embeddingSecretKey, undefined);
      assert.deepEqual(
        problemsOf({ NODE_ENV: "production", METABASE_INTERNAL_URL: "http://metabase:3000" }).map(
          (p) => p.split(" : ")[0],
        ),
        [
          "METABASE_EMBEDDING_SECRET_KEY",
          "PUBLIC_URL",
          "TRUST_PROXY",
          "SESSION_SECRET",
          "REDIS_URL",
          "DATABASE_URL",
          "WAREHOUSE_URL",
          "PROCONNECT_ISSUER",
          "CONTACT_EMAIL",
        ],
      );
    });

    it("still checks formats", () => {
      let caught: unknown;
      try {
        loadConfig(
          { METABASE_WAREHOUSE_URL: "mysql://x@y/z", METABASE_ADMIN_EMAIL: "nobody" },
          { for: "cli" },
        );
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof ConfigError);
      assert.deepEqual(caught.problems, [
        "METABASE_ADMIN_EMAIL : METABASE_ADMIN_EMAIL doit être une adresse électronique (par exemple data@exemple.gouv.fr)",
        "METABASE_WAREHOUSE_URL : METABASE_WAREHOUSE_URL doit être une URL postgres:// (l'entrepôt tel que Metabase le joint, avec son rôle en lecture seule)",
      ]);
    });
  });

  describe("metrics listener", () => {
    it("is off by default, bound to loopback when on, and never on the public port", () => {
      assert.deepEqual(loadConfig({}).metrics, { port: undefined, host: "127.0.0.1" });
      assert.deepEqual(loadConfig({ METRICS_PORT: "9464", METRICS_HOST: "10.0.0.5" }).metrics, {
        port: 9464,
        host: "10.0.0.5",
      });
      assert.deepEqual(problemsOf({ PORT: "3000", METRICS_PORT: "3000" }), [
        "METRICS_PORT : doit différer de PORT (les métriques ne sont jamais servies sur le port public)",
      ]);
      assert.deepEqual(
        problemsOf({ METRICS_PORT: "0" }).map((p) => p.split(" : ")[0]),
        ["METRICS_PORT"],
      );
    });
  });
});
