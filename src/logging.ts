import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

/**
 * Secrets never reach the logs (PRODUCT.md §3, invariant 7): cookies, authorization headers, tokens,
 * codes and anything named like a secret are redacted wherever they appear, and request URLs are
 * logged without their query string (the ProConnect callback carries the authorization code).
 *
 * Names of fields that hold a secret: redacted at any depth up to four (the top level of a log line, a
 * configuration's `config.metabase.embeddingSecretKey`, `deps.config.session.secret`…). pino's paths
 * have fixed depths, hence one wildcard path per depth. test/logging.test.ts pins the list with its
 * own copy: removing a name here fails it.
 */
export const SECRET_FIELD_NAMES = [
  "password",
  "secret",
  "token",
  "access_token",
  "id_token",
  "idToken",
  "refresh_token",
  "code",
  "codeVerifier",
  "code_verifier",
  "nonce",
  "client_secret",
  "clientSecret",
  "embeddingSecretKey",
  "apiKey",
  "api_key",
  "sessionSecret",
  // METABASE_WAREHOUSE_URL, Metabase's role on the warehouse with its password (`config.metabase.warehouseUrl`).
  "warehouseUrl",
] as const;

/** Objects whose `url` may carry a password (`postgres://user:password@host/db`, `redis://:password@…`). */
const URL_HOLDERS = ["redis", "database", "warehouse"] as const;

const MAX_DEPTH = 4;
const atEveryDepth = (path: string, depth: number) =>
  Array.from({ length: depth }, (_, i) => `${"*.".repeat(i)}${path}`);

export const REDACTED_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-metabase-session"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELD_NAMES.flatMap((name) => atEveryDepth(name, MAX_DEPTH)),
  ...URL_HOLDERS.flatMap((holder) => atEveryDepth(`${holder}.url`, MAX_DEPTH - 1)),
];

/**
 * Errors as pino writes them, plus `errorCode`: the error's own code (ours, or Postgres's SQLSTATE) under
 * a name that the redaction of `*.code` (authorization codes) leaves alone.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && serialized && typeof serialized === "object"
    ? { ...serialized, errorCode: code }
    : serialized;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "pilotage-gateway" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
