import { wantsJson } from "./negotiation.js";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, NotFoundError, TooManyRequestsError } from "../errors.js";
import { renderPage } from "./render.js";

const GENERIC_500 =
  "Une erreur inattendue s'est produite. L'équipe a été prévenue ; vous pouvez réessayer dans quelques instants.";

export const notFoundHandler: RequestHandler = () => {
  throw new NotFoundError();
};

/**
 * The one place errors become responses: a DSFR page for browsers, JSON for API clients. Client errors
 * show their French message; server errors show a generic one with the request id, never a stack or an
 * upstream error.
 */
export const errorHandler: ErrorRequestHandler = async (error, req, res, _next) => {
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
  if (status >= 500) req.log?.error({ err: error }, "request failed");
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (appError instanceof TooManyRequestsError)
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
  if (status >= 500) return "Erreur inattendue";
  return "Requête invalide";
}
