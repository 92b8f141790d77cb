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
  }

  readonly code: string;
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
  constructor(readonly retryAfterSeconds: number) {
    super(429, "Trop de requêtes : merci de patienter quelques instants avant de réessayer.", {
      code: "rate_limited",
    });
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
