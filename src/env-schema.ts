import { z } from "zod";

/**
 * The environment's variables as zod reads them: the gateway's schema (src/config.ts adds the checks that
 * span several variables, and production's refusals), and the pieces the standalone demo provider's
 * schema shares with it (src/demo-provider-config.ts).
 */

export const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** TRUST_PROXY as Express' `trust proxy` takes it: a number of hops, or the proxies' addresses as given. */
export function trustProxySetting(value: string | undefined): number | string | undefined {
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

export const EnvSchema = z.object({
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

export type Env = z.infer<typeof EnvSchema>;

export const MIN_SECRET_LENGTH = 32;
