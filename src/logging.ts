import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

/**
 * Secrets never reach the logs (PRODUCT.md §3, invariant 7): cookies, authorization headers, tokens,
 * codes and anything named like a secret are redacted wherever they appear, and request URLs are
 * logged without their query string (the ProConnect callback carries the authorization code).
 */
export const REDACTED_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-metabase-session"]',
  'res.headers["set-cookie"]',
  "*.password",
  "*.secret",
  "*.token",
  "*.access_token",
  "*.id_token",
  "*.refresh_token",
  "*.code",
  "*.client_secret",
  "*.embeddingSecretKey",
  "*.apiKey",
  "*.sessionSecret",
  "config.session.secret",
  "config.proconnect.clientSecret",
  "config.metabase.embeddingSecretKey",
  "config.metabase.apiKey",
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
