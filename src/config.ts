import { KNOWN_ACR_VALUES } from "./auth/acr.js";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";

/**
 * The only reader of process.env. Everything is validated once, every problem is reported at once,
 * and production refuses the embedded defaults (PGlite, in-memory Redis, the demo identity provider,
 * missing secrets).
 */

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** TRUST_PROXY as Express' `trust proxy` takes it: a number of hops, or the proxies' addresses as given. */
function trustProxySetting(value: string | undefined): number | string | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}

const optionalUrl = (label: string) =>
  optionalString.refine((value) => value === undefined || URL.canParse(value), {
    message: `${label} doit être une URL complète (par exemple https://exemple.gouv.fr)`,
  });

/** The name under which Metabase knows the warehouse (Admin > Databases), for `pilotage plan|apply|pull`. */
export const DEFAULT_WAREHOUSE_DATABASE = "Entrepôt Pilotage";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** `1` or `0` (unset: `0`), as compose files and PaaS dashboards write switches. */
const flag = z
  .enum(["0", "1", ""], { message: "attendu : 1 (oui) ou 0 (non)" })
  .default("0")
  .transform((value) => value === "1");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: optionalUrl("PUBLIC_URL"),
  TRUST_PROXY: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: optionalString,
  CONTACT_EMAIL: optionalString.refine((value) => value === undefined || z.email().safeParse(value).success, {
    message: "CONTACT_EMAIL doit être une adresse électronique (par exemple pilotage@exemple.gouv.fr)",
  }),

  // Several keys, newest first, separated by commas: the first signs, all verify (rotation, docs/operations/secrets.md).
  SESSION_SECRET: optionalString,
  SESSION_IDLE_TIMEOUT_SECONDS: positiveInt(30 * 60),
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: positiveInt(12 * 60 * 60),

  // Every dependency call of a request shares it (issue 21): a frozen server costs a request this much.
  REQUEST_DEADLINE_SECONDS: z.coerce
    .number()
    .min(0.5, "au moins 0,5 seconde")
    .max(60, "au plus 60 secondes")
    .default(5),

  REDIS_URL: optionalUrl("REDIS_URL"),
  DATABASE_URL: optionalUrl("DATABASE_URL"),
  WAREHOUSE_URL: optionalUrl("WAREHOUSE_URL"),

  PROCONNECT_ISSUER: optionalUrl("PROCONNECT_ISSUER"),
  PROCONNECT_CLIENT_ID: optionalString,
  PROCONNECT_CLIENT_SECRET: optionalString,
  PROCONNECT_SCOPES: z
    .string()
    .default("openid email given_name usual_name uid siret idp_id roles organization_label custom"),
  PROCONNECT_MIN_ACR: z.string().default("eidas1"),
  PROCONNECT_SIGNING_ALG: z.enum(["RS256", "ES256"]).default("RS256"),
  // The issuer is the demo provider run on its own (src/demo-idp/main.ts): trust its accounts' claims.
  PROCONNECT_DEMO_ACCOUNTS: flag,
  LOGIN_RATE_LIMIT_PER_MINUTE: positiveInt(60),

  // How long a placement resting on les emplois' members is trusted before it is worked out again (grant
  // changes end the person's sessions at once: src/auth/open-sessions.ts).
  PLACEMENT_CACHE_SECONDS: positiveInt(300).pipe(z.number().max(900, "au plus 900 secondes (15 minutes)")),

  METABASE_SITE_URL: optionalUrl("METABASE_SITE_URL"),
  METABASE_INTERNAL_URL: optionalUrl("METABASE_INTERNAL_URL"),
  METABASE_EMBEDDING_SECRET_KEY: optionalString,
  METABASE_API_KEY: optionalString,
  METABASE_USERNAME: optionalString,
  METABASE_PASSWORD: optionalString,
  METABASE_WAREHOUSE_DATABASE: z.string().trim().min(1).default(DEFAULT_WAREHOUSE_DATABASE),
  // Each request of `pilotage plan|apply|pull` to Metabase (GETs are retried twice on a network error).
  METABASE_TIMEOUT_SECONDS: positiveInt(30).pipe(z.number().max(600, "au plus 600 secondes")),
  // `pilotage metabase bootstrap` only: Metabase's first administrator, and the warehouse as Metabase
  // reaches it, with Metabase's own read-only role.
  METABASE_ADMIN_EMAIL: optionalString.refine(
    (value) => value === undefined || z.email().safeParse(value).success,
    { message: "METABASE_ADMIN_EMAIL doit être une adresse électronique (par exemple data@exemple.gouv.fr)" },
  ),
  METABASE_WAREHOUSE_URL: optionalString.refine(
    (value) => value === undefined || (URL.canParse(value) && /^postgres(ql)?:\/\//.test(value)),
    {
      message:
        "METABASE_WAREHOUSE_URL doit être une URL postgres:// (l'entrepôt tel que Metabase le joint, avec son rôle en lecture seule)",
    },
  ),
  // Metabase enforces no maximum token age (contract §1.2): the gateway's TTL is the only bound, so it
  // stays short.
  EMBED_TOKEN_TTL_SECONDS: positiveInt(600).pipe(z.number().max(3600, "au plus 3600 secondes (une heure)")),

  // Retention (`pilotage retention`, the « Données personnelles » page): the audit log's identities are
  // pseudonymised after this many days (30 at least: the database refuses sooner), visits deleted.
  AUDIT_IDENTITY_RETENTION_DAYS: positiveInt(365).pipe(z.number().min(30, "au moins 30 jours")),
  VISIT_RETENTION_DAYS: positiveInt(395),

  // Audience measurement: Matomo, loaded only after the visitor's consent (src/views/partials/consent.ejs).
  MATOMO_URL: optionalUrl("MATOMO_URL"),
  MATOMO_SITE_ID: optionalString.refine((value) => value === undefined || /^[1-9]\d*$/.test(value), {
    message: "MATOMO_SITE_ID doit être le numéro du site dans Matomo (par exemple 12)",
  }),

  // Exports (/api/questions/:key/data): Excel opens at most 1,048,576 rows, header included.
  EXPORT_ROW_CAP: positiveInt(1_048_575),
  EXPORT_STATEMENT_TIMEOUT_SECONDS: positiveInt(60),
  EXPORT_RATE_LIMIT_PER_MINUTE: positiveInt(20),
  // Exports streaming at once per gateway process: the size of the warehouse's export pool, apart from pages'.
  EXPORT_CONCURRENCY: positiveInt(4).pipe(z.number().max(50, "au plus 50")),

  // Prometheus metrics on their own listener, never on the public port; off unless METRICS_PORT is set.
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().trim().min(1).default("127.0.0.1"),
  // The result cache of pages (docs/performance.md): Redis in production, on its own logical database
  // (REDIS_URL's next one by default) or instance, so that its eviction never reaches sessions or limits.
  CACHE_REDIS_URL: optionalUrl("CACHE_REDIS_URL"),
  CACHE_TTL_SECONDS: positiveInt(3600),
  CACHE_MAX_ENTRY_BYTES: positiveInt(1024 * 1024),
  CACHE_MEMORY_MAX_MEGABYTES: positiveInt(64),
  // Anonymous public pages: the whole page is cached this long, and each address is limited.
  PUBLIC_PAGE_CACHE_SECONDS: positiveInt(60),
  PUBLIC_RATE_LIMIT_PER_MINUTE: positiveInt(120),

  // `pilotage seed` replaces the warehouse with synthetic data: allowed under NODE_ENV=production only
  // with this switch (the compose stack's init service, for a demonstration).
  PILOTAGE_SEED_DEMO_DATA: flag,
});

type Env = z.infer<typeof EnvSchema>;

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

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const MIN_SECRET_LENGTH = 32;

/**
 * Host names no real ProConnect uses (RFC 6761's `localhost` and `test`): the only issuers whose
 * accounts PROCONNECT_DEMO_ACCOUNTS may trust, so that the switch can never widen placement on the
 * integration or production federation.
 */
const DEMO_ISSUER_HOST = /^(localhost|127\.0\.0\.1|\[::1\]|[a-z0-9.-]+\.(localhost|test))$/;

/** SESSION_SECRET's keys, newest first. */
function sessionSecretsOf(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
}

/** Whether an issuer URL is one the demo provider may serve (see DEMO_ISSUER_HOST). */
export function isDemoIssuer(issuer: string): boolean {
  return URL.canParse(issuer) && DEMO_ISSUER_HOST.test(new URL(issuer).host.replace(/:\d+$/, ""));
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

const DemoProviderEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ message: "PUBLIC_URL : l'adresse publique de la passerelle, requise" }),
  TRUST_PROXY: optionalString,
  LOG_LEVEL: EnvSchema.shape.LOG_LEVEL,
  PROCONNECT_ISSUER: z.url({ message: "PROCONNECT_ISSUER : l'émetteur servi par ce fournisseur, requis" }),
  PROCONNECT_CLIENT_ID: z.string().trim().min(1).default("pilotage-demo"),
  PROCONNECT_CLIENT_SECRET: z
    .string({ message: "PROCONNECT_CLIENT_SECRET : requis (le même que celui de la passerelle)" })
    .trim()
    .min(
      MIN_SECRET_LENGTH,
      `PROCONNECT_CLIENT_SECRET : trop courte (au moins ${MIN_SECRET_LENGTH} caractères)`,
    ),
  PROCONNECT_SIGNING_ALG: EnvSchema.shape.PROCONNECT_SIGNING_ALG,
});

/** The demo provider run on its own (src/demo-idp/main.ts): the gateway's own variable names. */
export interface DemoProviderConfig {
  port: number;
  /** The gateway's public address: its callback and post-logout URLs are registered from it. */
  gatewayPublicUrl: string;
  trustProxy: number | string | undefined;
  log: { level: Env["LOG_LEVEL"] };
  issuer: string;
  clientId: string;
  clientSecret: string;
  signingAlg: "RS256" | "ES256";
}

/**
 * The standalone demo provider reads the same variables as the gateway it serves (compose hands both
 * the same values): PROCONNECT_ISSUER is the address it answers at, PROCONNECT_CLIENT_ID and _SECRET the
 * one client it knows, PUBLIC_URL the gateway it sends people back to. It refuses any issuer outside
 * localhost and *.test, so that it can never pose as the real federation.
 */
export function loadDemoProviderConfig(
  source: Record<string, string | undefined> = process.env,
): DemoProviderConfig {
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = DemoProviderEnvSchema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) =>
        issue.message.includes(" : ") ? issue.message : `${issue.path.join(".")} : ${issue.message}`,
      );
  const issuer = present.PROCONNECT_ISSUER;
  if (issuer && URL.canParse(issuer) && !isDemoIssuer(issuer)) {
    problems.push(
      "PROCONNECT_ISSUER : le fournisseur de démonstration ne sert que localhost, *.localhost ou *.test " +
        "(jamais l'adresse d'un vrai ProConnect)",
    );
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  return {
    port: env.PORT,
    gatewayPublicUrl: env.PUBLIC_URL.replace(/\/+$/, ""),
    trustProxy: trustProxySetting(env.TRUST_PROXY),
    log: { level: env.LOG_LEVEL },
    issuer: env.PROCONNECT_ISSUER.replace(/\/+$/, ""),
    clientId: env.PROCONNECT_CLIENT_ID,
    clientSecret: env.PROCONNECT_CLIENT_SECRET,
    signingAlg: env.PROCONNECT_SIGNING_ALG,
  };
}

/** A Redis URL's logical database (its path, `redis://host:6379/2`; 0 when it names none). */
function redisDatabase(url: URL): number {
  const db = Number(url.pathname.replace(/^\/+/, "") || "0");
  return Number.isInteger(db) ? db : 0;
}

/** REDIS_URL on its next logical database (the cache's default), or null when it uses the last one. */
function nextRedisDatabase(redisUrl: string): string | null {
  const url = new URL(redisUrl);
  const next = redisDatabase(url) + 1;
  if (next > 15) return null;
  url.pathname = `/${next}`;
  return url.toString();
}

/** One database written two ways is still one: an absent port is Redis' 6379, host names ignore case. */
function sameRedisDatabase(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const server = (url: URL) => `${url.hostname.toLowerCase()}:${url.port || "6379"}`;
  return server(x) === server(y) && redisDatabase(x) === redisDatabase(y);
}
