import { wantsJson } from "./negotiation.js";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, ClientGoneError, NotFoundError } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import { renderPage } from "./render.js";

const GENERIC_500 =
  "Une erreur inattendue s'est produite. L'équipe a été prévenue ; vous pouvez réessayer dans quelques instants.";

export const notFoundHandler: RequestHandler = () => {
  throw new NotFoundError();
};

export interface ErrorHandlerOptions {
  /** Counts the requests a failing dependency ended (`dependencyErrors{dependency,kind}`). */
  metrics?: Pick<Metrics, "dependencyErrors"> | undefined;
}

/**
 * The one place errors become responses: a DSFR page for browsers, JSON for API clients. Client errors
 * show their French message; server errors show a generic one with the request id, never a stack or an
 * upstream error. A failing dependency is a 503 with `Retry-After`, logged and counted under its name.
 */
export function createErrorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  return (error, req, res, next) => handleError(options, error, req, res, next);
}

export const errorHandler: ErrorRequestHandler = createErrorHandler();

const handleError = async (
  options: ErrorHandlerOptions,
  ...[error, req, res]: Parameters<ErrorRequestHandler>
): Promise<void> => {
  if (error instanceof ClientGoneError || (res.destroyed && !res.headersSent)) {
    // Nobody is listening: nothing to answer, and no alarm (the work in flight was cancelled).
    req.log?.info({ reason: "client_gone" }, "client went away before the answer");
    return;
  }
  const appError =
    error instanceof AppError
      ? error
      : new AppError(
          typeof error?.status === "number" && error.status < 500 ? error.status : 500,
          GENERIC_500,
          {
            cause: error,
          },
        );
  const status = appError.status;
  const dependency = appError.dependency;
  if (dependency) {
    options.metrics?.dependencyErrors.inc({ dependency: dependency.name, kind: dependency.failure });
    req.log?.warn(
      { dependency: dependency.name, failure: dependency.failure, err: error },
      "dependency failed",
    );
  } else if (status >= 500) req.log?.error({ err: error }, "request failed");
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (appError.retryAfterSeconds !== undefined)
    res.setHeader("Retry-After", String(appError.retryAfterSeconds));
  const message = appError.expose ? appError.publicMessage : GENERIC_500;
  const requestId = String(req.id ?? "");
  if (wantsJson(req)) {
    res
      .status(status)
      .json({ error: appError.code, message, requestId, ...(appError.expose ? appError.details : {}) });
    return;
  }
  try {
    const title = (appError.expose && appError.title) || titleFor(status);
    const link = appError.expose ? appError.link : undefined;
    await renderPage(req, res, "pages/error", { title, status, message, link }, status);
  } catch (renderError) {
    req.log?.error({ err: renderError }, "error page failed to render");
    res.status(status).type("text").send(`${message}\nIdentifiant de la requête : ${requestId}`);
  }
};

function titleFor(status: number): string {
  if (status === 404) return "Page non trouvée";
  if (status === 401) return "Connexion requise";
  if (status === 403) return "Accès refusé";
  if (status === 429) return "Trop de requêtes";
  if (status === 503) return "Service momentanément indisponible";
  if (status >= 500) return "Erreur inattendue";
  return "Requête invalide";
}
