import {
  AppError,
  DEPENDENCY_RETRY_AFTER_SECONDS,
  type AppErrorOptions,
  type DependencyFailure,
} from "../errors.js";

/** Why a login (or a logout return) was refused; also the `error` code of the JSON answer. */
export type LoginRefusal =
  | "login_state_mismatch"
  | "login_nonce_mismatch"
  | "login_expired"
  | "login_callback_ignored"
  | "proconnect_access_denied"
  | "proconnect_login_required"
  | "proconnect_error"
  | "acr_too_low"
  | "login_code_rejected"
  | "proconnect_response_invalid"
  | "proconnect_unavailable"
  | "proconnect_not_configured"
  | "logout_state_mismatch"
  | "logout_return_ignored";

const RETRY = { href: "/connexion", label: "Se connecter à nouveau" };
const HOME = { href: "/", label: "Retour à l'accueil" };

/**
 * A refused login, shown on a French DSFR page with a way to start again. ProConnect failures are 502s
 * whose message is still shown: it is written for the person, and carries no upstream detail beyond
 * ProConnect's own public error description.
 */
export class LoginRefusedError extends AppError {
  constructor(
    readonly reason: LoginRefusal,
    status: number,
    title: string,
    message: string,
    link: { href: string; label: string } = RETRY,
    options: Pick<AppErrorOptions, "retryAfterSeconds" | "dependency"> = {},
  ) {
    super(status, message, { code: reason, title, expose: true, link, ...options });
  }
}

/** ProConnect's documented error descriptions (proconnect.md §1.10), in French. */
const KNOWN_DESCRIPTIONS: Record<string, string> = {
  "requested ACRs could not be satisfied":
    "le niveau d'authentification demandé par ce service n'a pas pu être atteint",
  "authentication aborted due to invalid identity":
    "votre compte n'est pas autorisé à se connecter à ce service (compte bloqué ou organisation non éligible)",
  "authentication aborted due to a configuration limitation":
    "le domaine de votre adresse électronique n'est pas autorisé pour ce service",
  "End-User aborted interaction": "la connexion a été annulée",
};

export const loginRefusals = {
  stateMismatch: () =>
    new LoginRefusedError(
      "login_state_mismatch",
      400,
      "Connexion interrompue",
      "La réponse de ProConnect ne correspond pas à la demande de connexion partie de ce navigateur (paramètre « state » différent). Par sécurité, la connexion a été interrompue : merci de recommencer.",
    ),
  nonceMismatch: () =>
    new LoginRefusedError(
      "login_nonce_mismatch",
      400,
      "Connexion interrompue",
      "Le jeton d'identité reçu de ProConnect ne correspond pas à cette demande de connexion (paramètre « nonce » différent). Par sécurité, la connexion a été interrompue : merci de recommencer.",
    ),
  expired: () =>
    new LoginRefusedError(
      "login_expired",
      400,
      "Demande de connexion expirée",
      "Cette demande de connexion a expiré ou a déjà servi. Merci de recommencer depuis la page de connexion.",
    ),
  accessDenied: (description: string | undefined) => {
    const known = description ? KNOWN_DESCRIPTIONS[description] : undefined;
    const reason = known
      ? ` : ${known}`
      : description
        ? ` (motif indiqué par ProConnect : « ${description} »)`
        : ".";
    return new LoginRefusedError(
      "proconnect_access_denied",
      403,
      "Connexion refusée par ProConnect",
      `ProConnect a refusé la connexion${reason}. Si vous pensez que c'est une erreur, contactez le support de votre fournisseur d'identité ou de ProConnect.`,
    );
  },
  loginRequired: () =>
    new LoginRefusedError(
      "proconnect_login_required",
      401,
      "Identification ProConnect requise",
      "Votre session ProConnect a expiré ou n'existe plus : merci de vous identifier à nouveau.",
    ),
  providerError: (error: string) =>
    new LoginRefusedError(
      "proconnect_error",
      502,
      "Erreur de ProConnect",
      `ProConnect a répondu par une erreur (« ${error} ») : la connexion n'a pas pu aboutir. Merci de réessayer ; si le problème persiste, contactez le support en indiquant l'identifiant ci-dessous.`,
    ),
  acrTooLow: (acr: string | undefined, minimum: string) =>
    new LoginRefusedError(
      "acr_too_low",
      403,
      "Niveau d'authentification insuffisant",
      acr
        ? `Vous vous êtes identifié avec le niveau « ${acr} », mais ce service demande au moins le niveau « ${minimum} ». Reconnectez-vous avec une méthode d'authentification plus forte (par exemple une double authentification).`
        : `ProConnect n'a pas indiqué le niveau d'authentification utilisé, et ce service demande au moins le niveau « ${minimum} ».`,
    ),
  codeRejected: () =>
    new LoginRefusedError(
      "login_code_rejected",
      400,
      "Connexion refusée",
      "ProConnect a refusé le code de connexion : il a expiré ou a déjà été utilisé. Merci de recommencer.",
    ),
  invalidResponse: () =>
    new LoginRefusedError(
      "proconnect_response_invalid",
      502,
      "Connexion refusée par sécurité",
      "La réponse de ProConnect n'a pas pu être vérifiée (signature, émetteur, algorithme ou validité des jetons). Par sécurité, la connexion a été refusée. Si le problème persiste, contactez le support en indiquant l'identifiant ci-dessous.",
    ),
  // A dependency that does not answer: 503 with Retry-After, as every other (docs/failure-policy.md).
  unavailable: (failure: DependencyFailure = "unavailable") =>
    new LoginRefusedError(
      "proconnect_unavailable",
      503,
      "ProConnect est injoignable",
      "ProConnect ne répond pas pour le moment, la connexion est impossible. Merci de réessayer dans quelques minutes.",
      RETRY,
      {
        retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS,
        dependency: { name: "proconnect", failure },
      },
    ),
  notConfigured: () =>
    new LoginRefusedError(
      "proconnect_not_configured",
      503,
      "Connexion indisponible",
      "La connexion avec ProConnect n'est pas configurée sur ce service.",
    ),
  logoutStateMismatch: () =>
    new LoginRefusedError(
      "logout_state_mismatch",
      400,
      "Déconnexion non reconnue",
      "Le retour de ProConnect ne correspond à aucune déconnexion demandée depuis ce navigateur. Votre session sur ce service est fermée ; pour fermer aussi votre session ProConnect, fermez votre navigateur.",
    ),
  // Another site may link a logged-in person to either callback (logout CSRF): refused, session untouched.
  callbackIgnored: () =>
    new LoginRefusedError(
      "login_callback_ignored",
      400,
      "Retour de connexion ignoré",
      "Ce retour de ProConnect ne correspond à aucune connexion demandée depuis ce navigateur : il a été ignoré, et vous restez connecté.",
      HOME,
    ),
  logoutReturnIgnored: () =>
    new LoginRefusedError(
      "logout_return_ignored",
      400,
      "Déconnexion non reconnue",
      "Ce retour de ProConnect ne correspond à aucune déconnexion demandée depuis ce navigateur : il a été ignoré, et vous restez connecté.",
      HOME,
    ),
};
