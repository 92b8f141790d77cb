/**
 * Typed errors, mapped to HTTP in one middleware (src/http/error-handler.ts) and to exit codes in one
 * place of the CLI. `publicMessage` is French and safe to show; `expose` says whether it may be shown
 * as is (client errors) or replaced by a generic message (server errors).
 */
export interface AppErrorOptions {
  cause?: unknown;
  code?: string;
  details?: Record<string, unknown>;
  /** Heading of the error page; by default one per status. */
  title?: string;
  /** Shows `publicMessage` even for a 5xx, when it is written for users (e.g. "ProConnect est injoignable"). */
  expose?: boolean;
  /** The way forward offered on the error page, next to "Page d'accueil". */
  link?: { href: string; label: string };
  /** Sent as `Retry-After` (429, 503). */
  retryAfterSeconds?: number;
  /** A dependency failed the request: logged and counted under its name by the error handler. */
  dependency?: { name: Dependency; failure: DependencyFailure };
}

export class AppError extends Error {
  readonly expose: boolean;

  constructor(
    readonly status: number,
    readonly publicMessage: string,
    options: AppErrorOptions = {},
  ) {
    super(publicMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.expose = options.expose ?? status < 500;
    this.code = options.code ?? "error";
    this.details = options.details;
    this.title = options.title;
    this.link = options.link;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.dependency = options.dependency;
  }

  readonly code: string;
  readonly retryAfterSeconds: number | undefined;
  readonly dependency: { name: Dependency; failure: DependencyFailure } | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly title: string | undefined;
  readonly link: { href: string; label: string } | undefined;
}

export class NotFoundError extends AppError {
  constructor(message = "La page demandée n'existe pas ou a été déplacée.") {
    super(404, message, { code: "not_found" });
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, message, { code: "bad_request", details });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Vous devez vous connecter pour accéder à cette page.") {
    super(401, message, { code: "unauthenticated" });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "Vous n'avez pas accès à cette page.", code = "forbidden") {
    super(403, message, { code });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, "Trop de requêtes : merci de patienter quelques instants avant de réessayer.", {
      code: "rate_limited",
      retryAfterSeconds,
    });
  }
}

/** The systems a request depends on, as metrics and logs name them (`dependencyErrors{dependency}`). */
export type Dependency = "gateway_database" | "warehouse" | "redis" | "metabase" | "proconnect";
/**
 * `timeout`: no answer within the limit; `unavailable`: refused or lost the connection; `busy`: the
 * connections set aside for that kind of work are all taken (exports); `error`: anything else.
 */
export type DependencyFailure = "timeout" | "unavailable" | "busy" | "error";

const DEPENDENCY_MESSAGES: Record<Dependency, string> = {
  gateway_database:
    "La base de données du service ne répond pas pour le moment : votre demande n'a pas pu aboutir. Réessayez dans quelques instants.",
  warehouse:
    "L'entrepôt de données ne répond pas pour le moment : les chiffres ne peuvent pas être calculés. Réessayez dans quelques instants.",
  redis:
    "Le service des sessions ne répond pas pour le moment : votre connexion ne peut pas être vérifiée. Réessayez dans quelques instants.",
  metabase: "Metabase ne répond pas pour le moment. Réessayez dans quelques instants.",
  proconnect:
    "ProConnect ne répond pas pour le moment, la connexion est impossible. Merci de réessayer dans quelques minutes.",
};

/** Seconds a client is asked to wait (`Retry-After`) when a dependency failed: long enough for a restart. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/**
 * A dependency did not answer within its limit, or refused: a 503 with `Retry-After`, whose French message
 * says what to do (PRODUCT decision 7, docs/failure-policy.md). Raised at the door of each system (the
 * storage layer, the session store, ProConnect), so that routes never see a driver's error.
 */
export class DependencyError extends AppError {
  constructor(
    readonly dependencyName: Dependency,
    readonly failure: DependencyFailure,
    options: { cause?: unknown; message?: string; code?: string } = {},
  ) {
    super(503, options.message ?? DEPENDENCY_MESSAGES[dependencyName], {
      cause: options.cause,
      code: options.code ?? "dependency_unavailable",
      title: "Service momentanément indisponible",
      expose: true,
      retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS,
      dependency: { name: dependencyName, failure },
    });
  }
}

/**
 * The client went away before the answer: nothing is sent (nobody is listening); the work in flight was
 * cancelled. 499 is the status proxies log for it.
 */
export class ClientGoneError extends AppError {
  constructor(cause?: unknown) {
    super(499, "La requête a été abandonnée avant sa réponse.", { code: "client_gone", cause });
  }
}

/** An upstream system (ProConnect, Metabase, a database) is unreachable or misbehaves. */
export class UpstreamError extends AppError {
  constructor(
    readonly upstream: string,
    message: string,
    cause?: unknown,
  ) {
    super(502, message, { cause, code: "upstream_unavailable" });
  }
}

/**
 * Every problem of a configuration at once (src/config.ts, src/demo-provider-config.ts, and what a CLI
 * command needs besides): an exit code, never an HTTP answer (78 for the server processes,
 * src/process-start.ts; the CLI's own, src/cli/run.ts).
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}
