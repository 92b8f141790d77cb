import { KNOWN_ACR_VALUES } from "./eidas-levels.js";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { demoProviderConfigFrom, isDemoIssuer, type DemoProviderConfig } from "./demo-provider-config.js";
import { EnvSchema, MIN_SECRET_LENGTH, trustProxySetting, type Env } from "./env-schema.js";
import { ConfigError } from "./errors.js";
import { nextRedisDatabase, sameRedisDatabase } from "./redis-url.js";

/**
 * The only reader of process.env. Everything is validated once, every problem is reported at once,
 * and production refuses the embedded defaults (PGlite, in-memory Redis, the demo identity provider,
 * missing secrets). The variables' schema is src/env-schema.ts.
 */

export interface Config {
  env: Env["NODE_ENV"];
  /** Express "trust proxy": a hop count ("1" → 1; Express would read the string "1" as an address), or addresses. */
  http: { port: number; publicUrl: string; trustProxy: number | string | undefined };
  log: { level: Env["LOG_LEVEL"] };
  /** Where people report a problem, accessibility first (the statement at /accessibilite must give one). */
  contact: { email: string | undefined };
  dataDir: string;
  session: {
    /** The newest key: signs every new session cookie. */
    secret: string;
    /** Older keys, still accepted for cookies they signed, until the operator removes them. */
    previousSecrets: string[];
    /** True when the secret was generated at start-up (embedded default: sessions do not survive a restart). */
    generatedSecret: boolean;
    idleTimeoutSeconds: number;
    absoluteTimeoutSeconds: number;
  };
  /** What a request may wait for its dependencies, all calls together (src/deadline.ts). */
  limits: { requestDeadlineMs: number };
  redis: { url: string | undefined };
  database: { url: string | undefined };
  warehouse: { url: string | undefined };
  proconnect: {
    /** Undefined means the demo identity provider is mounted in-process (never in production). */
    issuer: string | undefined;
    clientId: string;
    clientSecret: string | undefined;
    scopes: string;
    minAcr: string;
    signingAlg: "RS256" | "ES256";
    /** The issuer is the demo provider on its own: its accounts are placed as `npm run demo` places them. */
    demoAccounts: boolean;
  };
  /** Per client IP and per minute, on `/connexion` and on ProConnect's callback (each counted apart). */
  loginRateLimitPerMinute: number;
  placement: { cacheSeconds: number };
  /** What `pilotage retention` applies and the « Données personnelles » page states (src/audit/retention.ts). */
  retention: { auditIdentityDays: number; visitDays: number };
  /** Undefined: no audience measurement at all (no banner, no script, nothing in the CSP). */
  matomo: { url: string; siteId: string } | undefined;
  /** Data exports (src/questions/): more rows than the cap is an error, never a shortened file. */
  export: {
    rowCap: number;
    statementTimeoutSeconds: number;
    rateLimitPerMinute: number;
    /** Exports streaming at once in this process (the warehouse's export pool). */
    concurrency: number;
  };
  /**
   * The result cache (src/cache/): `url`, its Redis, is set whenever REDIS_URL is (CACHE_REDIS_URL, else
   * REDIS_URL on its next logical database); without it the cache is an LRU in the process (the demo).
   * The logger redacts `cache.url` as it does `redis.url` (src/logging.ts): it may hold a password.
   */
  cache: {
    url: string | undefined;
    ttlSeconds: number;
    maxEntryBytes: number;
    memoryMaxBytes: number;
    /** How long an anonymous public page is served whole from the cache (and told to shared caches). */
    publicPageSeconds: number;
  };
  /** Anonymous visits of public pages per client address and per minute. */
  publicRateLimitPerMinute: number;
  metabase: {
    /** Metabase as the browser reaches it: the frames' address and the CSP's frame-src. Defaults to internalUrl. */
    siteUrl: string | undefined;
    /** Metabase as this server reaches it: the health probe, the sync and the bootstrap. Defaults to siteUrl. */
    internalUrl: string | undefined;
    embeddingSecretKey: string | undefined;
    apiKey: string | undefined;
    /** A user session instead of an API key, for the CLI (`POST /api/session`). */
    username: string | undefined;
    password: string | undefined;
    /** Name of the warehouse database in Metabase, where the sync finds tables and fields. */
    warehouseDatabase: string;
    /** Limit of each request of the CLI's sync to Metabase. */
    timeoutSeconds: number;
    embedTokenTtlSeconds: number;
    /** `pilotage metabase bootstrap`: the first administrator's e-mail. */
    adminEmail: string | undefined;
    /** `pilotage metabase bootstrap`: the warehouse as Metabase connects to it (Metabase's read-only role). */
    warehouseUrl: string | undefined;
  };
  /** `GET /metrics` on a listener of its own; undefined port: no listener. */
  metrics: { port: number | undefined; host: string };
  /** `pilotage seed` may replace the warehouse with synthetic data even under NODE_ENV=production. */
  seedDemoData: boolean;
}

/** SESSION_SECRET's keys, newest first. */
function sessionSecretsOf(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
}

const METABASE_SECRET_FORMAT = /^[0-9a-f]{64}$/;

export interface LoadConfigOptions {
  /**
   * `gateway` (the default): the server process, which refuses the embedded defaults in production and
   * frames nothing without an embedding secret. `cli`: the `pilotage` command, which serves no page and
   * needs only what each subcommand checks for itself (`metabase bootstrap` creates the embedding secret,
   * `apply` in a one-shot container needs no session secret nor ProConnect client).
   */
  for?: "gateway" | "cli";
}

export function loadConfig(
  source: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): Config {
  const gateway = (options.for ?? "gateway") === "gateway";
  const parsed = EnvSchema.safeParse(source);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")} : ${issue.message}`);
  // Cross-field and production checks read the raw values, so that they are reported together with
  // format errors instead of after them.
  const raw = (name: keyof Env): string | undefined => source[name]?.trim() || undefined;
  const production = raw("NODE_ENV") === "production";

  const metabaseSecret = raw("METABASE_EMBEDDING_SECRET_KEY");
  if (metabaseSecret && !METABASE_SECRET_FORMAT.test(metabaseSecret)) {
    problems.push(
      "METABASE_EMBEDDING_SECRET_KEY : doit faire 64 caractères hexadécimaux en minuscules (la clé affichée par Metabase, Admin > Intégration)",
    );
  }
  const metabaseUrl = raw("METABASE_SITE_URL") ?? raw("METABASE_INTERNAL_URL");
  if (gateway && metabaseUrl && !metabaseSecret) {
    problems.push(
      `METABASE_EMBEDDING_SECRET_KEY : requise dès que ${raw("METABASE_SITE_URL") ? "METABASE_SITE_URL" : "METABASE_INTERNAL_URL"} est définie`,
    );
  }
  const metricsPort = raw("METRICS_PORT");
  if (metricsPort && Number(metricsPort) === Number(raw("PORT") ?? 3000)) {
    problems.push(
      "METRICS_PORT : doit différer de PORT (les métriques ne sont jamais servies sur le port public)",
    );
  }
  if (raw("MATOMO_URL") && !raw("MATOMO_SITE_ID")) {
    problems.push("MATOMO_SITE_ID : requis dès que MATOMO_URL est défini (Matomo, Administration > Sites)");
  }
  if (raw("MATOMO_SITE_ID") && !raw("MATOMO_URL")) {
    problems.push("MATOMO_URL : requis dès que MATOMO_SITE_ID est défini");
  }
  if (raw("METABASE_USERNAME") && !raw("METABASE_PASSWORD")) {
    problems.push("METABASE_PASSWORD : requis dès que METABASE_USERNAME est défini");
  }
  if (raw("METABASE_PASSWORD") && !raw("METABASE_USERNAME")) {
    problems.push("METABASE_USERNAME : requis dès que METABASE_PASSWORD est défini");
  }
  const sessionSecrets = sessionSecretsOf(raw("SESSION_SECRET"));
  sessionSecrets.forEach((key, index) => {
    if (key.length >= MIN_SECRET_LENGTH) return;
    const which = sessionSecrets.length > 1 ? ` (clé n° ${index + 1} de la liste)` : "";
    problems.push(`SESSION_SECRET : trop courte${which} (au moins ${MIN_SECRET_LENGTH} caractères)`);
  });
  const issuer = raw("PROCONNECT_ISSUER");
  const clientSecret = raw("PROCONNECT_CLIENT_SECRET");
  if (issuer && !raw("PROCONNECT_CLIENT_ID")) {
    problems.push("PROCONNECT_CLIENT_ID : requis dès que PROCONNECT_ISSUER est défini");
  }
  if (issuer && !clientSecret) {
    problems.push("PROCONNECT_CLIENT_SECRET : requis dès que PROCONNECT_ISSUER est défini");
  }
  const minAcr = raw("PROCONNECT_MIN_ACR");
  if (minAcr && !KNOWN_ACR_VALUES.includes(minAcr)) {
    problems.push(`PROCONNECT_MIN_ACR : valeur inconnue (attendu : ${KNOWN_ACR_VALUES.join(", ")})`);
  }
  if (clientSecret && clientSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`PROCONNECT_CLIENT_SECRET : trop courte (au moins ${MIN_SECRET_LENGTH} caractères)`);
  }
  if (raw("PROCONNECT_DEMO_ACCOUNTS") === "1" && issuer && !isDemoIssuer(issuer)) {
    problems.push(
      "PROCONNECT_DEMO_ACCOUNTS : réservé au fournisseur de démonstration, dont l'émetteur est sur localhost, " +
        "*.localhost ou *.test ; retirez-le avec un vrai ProConnect",
    );
  }

  // Malformed URLs are reported by the schema above.
  const parsable = (value: string | undefined) => (value && URL.canParse(value) ? value : undefined);
  const sessionsRedis = parsable(raw("REDIS_URL"));
  const cacheRedis = raw("CACHE_REDIS_URL")
    ? parsable(raw("CACHE_REDIS_URL"))
    : sessionsRedis && nextRedisDatabase(sessionsRedis);
  if (cacheRedis === null) {
    problems.push(
      "CACHE_REDIS_URL : REDIS_URL utilise la dernière base logique de Redis (15) ; donnez au cache sa propre base ou instance",
    );
  } else if (cacheRedis && sessionsRedis && sameRedisDatabase(cacheRedis, sessionsRedis)) {
    problems.push(
      "CACHE_REDIS_URL : ne doit pas désigner la base Redis des sessions (REDIS_URL) ; prenez une autre base logique ou instance",
    );
  }

  if (production && gateway) {
    const refuse = (name: keyof Env, why: string) => {
      if (!raw(name)) problems.push(`${name} : obligatoire en production (${why})`);
    };
    refuse("PUBLIC_URL", "adresse publique du service, base des URL de retour ProConnect");
    const publicUrl = raw("PUBLIC_URL");
    if (publicUrl && !publicUrl.startsWith("https://")) {
      problems.push("PUBLIC_URL : doit être en https en production");
    }
    // The gateway speaks plain http: in production TLS ends at a proxy, and without `trust proxy` the
    // gateway never sees the https, so express-session never sends the Secure session cookie.
    refuse(
      "TRUST_PROXY",
      "derrière le proxy TLS, sans lui le cookie de session n'est jamais envoyé : 1 pour un proxy",
    );
    if (sessionSecrets.length === 0) {
      problems.push(
        "SESSION_SECRET : obligatoire en production (sinon une clé aléatoire est tirée à chaque démarrage)",
      );
    }
    refuse("REDIS_URL", "sinon sessions et limites de débit restent en mémoire");
    refuse("DATABASE_URL", "sinon la base de la passerelle est un PGlite embarqué");
    refuse("WAREHOUSE_URL", "sinon l'entrepôt est un PGlite de données synthétiques");
    refuse("PROCONNECT_ISSUER", "sinon le fournisseur d'identité de démonstration est utilisé");
    if (issuer && !issuer.startsWith("https://")) {
      problems.push("PROCONNECT_ISSUER : doit être en https en production");
    }
    if (!metabaseUrl) refuse("METABASE_SITE_URL", "adresse de l'instance Metabase");
    refuse("CONTACT_EMAIL", "la déclaration d'accessibilité doit donner un moyen de contact");
    const matomoUrl = raw("MATOMO_URL");
    if (matomoUrl && !matomoUrl.startsWith("https://")) {
      problems.push("MATOMO_URL : doit être en https en production");
    }
  }

  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;

  const port = env.PORT;
  return {
    env: env.NODE_ENV,
    http: {
      port,
      publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
      trustProxy: trustProxySetting(env.TRUST_PROXY),
    },
    log: { level: env.LOG_LEVEL },
    contact: { email: env.CONTACT_EMAIL },
    dataDir: path.resolve(env.DATA_DIR ?? ".data"),
    session: {
      secret: sessionSecrets[0] ?? randomBytes(32).toString("hex"),
      previousSecrets: sessionSecrets.slice(1),
      generatedSecret: sessionSecrets.length === 0,
      idleTimeoutSeconds: env.SESSION_IDLE_TIMEOUT_SECONDS,
      absoluteTimeoutSeconds: env.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
    },
    limits: { requestDeadlineMs: Math.round(env.REQUEST_DEADLINE_SECONDS * 1000) },
    redis: { url: env.REDIS_URL },
    database: { url: env.DATABASE_URL },
    warehouse: { url: env.WAREHOUSE_URL },
    proconnect: {
      issuer: env.PROCONNECT_ISSUER?.replace(/\/+$/, ""),
      clientId: env.PROCONNECT_CLIENT_ID ?? "pilotage-demo",
      clientSecret: env.PROCONNECT_CLIENT_SECRET,
      scopes: env.PROCONNECT_SCOPES,
      minAcr: env.PROCONNECT_MIN_ACR,
      signingAlg: env.PROCONNECT_SIGNING_ALG,
      demoAccounts: env.PROCONNECT_DEMO_ACCOUNTS,
    },
    loginRateLimitPerMinute: env.LOGIN_RATE_LIMIT_PER_MINUTE,
    placement: { cacheSeconds: env.PLACEMENT_CACHE_SECONDS },
    retention: { auditIdentityDays: env.AUDIT_IDENTITY_RETENTION_DAYS, visitDays: env.VISIT_RETENTION_DAYS },
    matomo:
      env.MATOMO_URL && env.MATOMO_SITE_ID
        ? { url: env.MATOMO_URL.replace(/\/+$/, ""), siteId: env.MATOMO_SITE_ID }
        : undefined,
    export: {
      rowCap: env.EXPORT_ROW_CAP,
      statementTimeoutSeconds: env.EXPORT_STATEMENT_TIMEOUT_SECONDS,
      rateLimitPerMinute: env.EXPORT_RATE_LIMIT_PER_MINUTE,
      concurrency: env.EXPORT_CONCURRENCY,
    },
    cache: {
      // Checked above: never null once the configuration is accepted.
      url: cacheRedis ?? undefined,
      ttlSeconds: env.CACHE_TTL_SECONDS,
      maxEntryBytes: env.CACHE_MAX_ENTRY_BYTES,
      memoryMaxBytes: env.CACHE_MEMORY_MAX_MEGABYTES * 1024 * 1024,
      // A cached public page carries an embed token: it is never served past half the token's life.
      publicPageSeconds: Math.max(
        1,
        Math.min(env.PUBLIC_PAGE_CACHE_SECONDS, Math.floor(env.EMBED_TOKEN_TTL_SECONDS / 2)),
      ),
    },
    publicRateLimitPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    metabase: {
      // Each defaults to the other: one Metabase address is enough when the browser and this server reach
      // Metabase the same way; behind compose or a private network they differ.
      siteUrl: (env.METABASE_SITE_URL ?? env.METABASE_INTERNAL_URL)?.replace(/\/+$/, ""),
      internalUrl: (env.METABASE_INTERNAL_URL ?? env.METABASE_SITE_URL)?.replace(/\/+$/, ""),
      embeddingSecretKey: env.METABASE_EMBEDDING_SECRET_KEY,
      apiKey: env.METABASE_API_KEY,
      username: env.METABASE_USERNAME,
      password: env.METABASE_PASSWORD,
      warehouseDatabase: env.METABASE_WAREHOUSE_DATABASE,
      timeoutSeconds: env.METABASE_TIMEOUT_SECONDS,
      embedTokenTtlSeconds: env.EMBED_TOKEN_TTL_SECONDS,
      adminEmail: env.METABASE_ADMIN_EMAIL,
      warehouseUrl: env.METABASE_WAREHOUSE_URL,
    },
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST },
    seedDemoData: env.PILOTAGE_SEED_DEMO_DATA,
  };
}

/**
 * The standalone demo provider's configuration (src/demo-provider-config.ts). Its environment is read here,
 * so that this file stays the only reader of process.env.
 */
export function loadDemoProviderConfig(
  source: Record<string, string | undefined> = process.env,
): DemoProviderConfig {
  return demoProviderConfigFrom(source);
}
