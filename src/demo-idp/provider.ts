import { generateKeyPairSync, randomBytes } from "node:crypto";
import path from "node:path";
import express, { Router, type ErrorRequestHandler, type Request } from "express";
import Provider, {
  interactionPolicy,
  type Configuration,
  type FindAccount,
  type JWK,
  type KoaContextWithOIDC,
} from "oidc-provider";
import { z } from "zod";
import { KNOWN_ACR_VALUES } from "../eidas-levels.js";
import { DEMO_ACCOUNTS, type DemoAccount } from "../demo/accounts.js";
import { PROJECT_ROOT } from "../project-root.js";
import { accountSubOf, amrFor, claimsOf } from "./claims.js";
import { memoryAdapterFactory } from "./memory-adapter.js";
import { renderIdpPage } from "./pages.js";

/**
 * A ProConnect-like OpenID provider for the demo and the tests, on the same library ProConnect runs
 * (oidc-provider), configured after proconnect.md §1 and §3: issuer under /api/v2 with ProConnect's
 * routes, its scopes and claims, `claims` parameter, signed userinfo, PKCE S256, refresh tokens,
 * client_secret_post only, no consent screen, end-session with a confirmation page, and a French login
 * form listing the demo accounts where the person also picks the `acr` to report.
 */

const CERTIFICATION_DIRIGEANT_ACR = "https://proconnect.gouv.fr/assurance/certification-dirigeant";
const ACR_VALUES = [...KNOWN_ACR_VALUES, CERTIFICATION_DIRIGEANT_ACR];

/** ProConnect's scope → claims map (proconnect.md §1.4); `amr` is requestable through `claims`. */
const CLAIMS: Configuration["claims"] = {
  amr: null,
  openid: ["sub"],
  given_name: ["given_name"],
  usual_name: ["usual_name"],
  email: ["email"],
  uid: ["uid"],
  siret: ["siret"],
  siren: ["siren"],
  organizational_unit: ["organizational_unit"],
  belonging_population: ["belonging_population"],
  phone: ["phone_number"],
  chorusdt: ["chorusdt:matricule", "chorusdt:societe"],
  idp_id: ["idp_id"],
  idp_acr: ["idp_acr"],
  roles: ["roles"],
  organization_label: ["organization_label"],
  custom: ["custom"],
};

/** Every scope a service provider may be granted; a known scope outside a client's list is refused. */
const DEMO_ALLOWED_SCOPES = [
  "openid",
  ...Object.keys(CLAIMS ?? {}).filter((s) => s !== "amr" && s !== "openid"),
].join(" ");

export type SigningAlg = "RS256" | "ES256" | "HS256";

export interface DemoClient {
  clientId: string;
  /** At least 32 characters, as ProConnect requires. */
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  idTokenSigningAlg?: SigningAlg;
  /** Unset: RS256. `null`: plain JSON userinfo (a ProConnect registration without userinfo signing). */
  userinfoSigningAlg?: SigningAlg | null;
  /** The client's allowed scopes; every ProConnect scope by default. */
  scope?: string;
  clientName?: string;
}

export interface DemoIdentityProviderOptions {
  /** Full issuer URL; its path is where `router` must be mounted (e.g. http://127.0.0.1:4000/api/v2). */
  issuer: string;
  clients: DemoClient[];
  accounts?: readonly DemoAccount[];
  /** Private signing keys (one RSA, one P-256, unique `kid`s); generated when absent. */
  jwks?: { keys: JWK[] };
  /**
   * When a service provider asks for essential ACR values the person's choice does not meet, answer
   * `access_denied` / "requested ACRs could not be satisfied" as ProConnect does (default). `false`
   * returns whatever was chosen, like ProConnect's own mock: the service provider must check.
   */
  honourEssentialAcr?: boolean;
  /**
   * Behind a TLS-terminating proxy (Caddy, for the standalone provider): believe X-Forwarded-Proto, so
   * that its cookies are Secure and its URLs https.
   */
  proxy?: boolean;
}

export interface DemoIdentityProvider {
  readonly issuer: string;
  /** The issuer's path, where `router` is mounted. */
  readonly basePath: string;
  readonly router: Router;
  /** The switch of error tests: while set, every login ends with `access_denied` and this description. */
  accessDenied: string | undefined;
  subOf(email: string): string;
}

export function generateSigningKeys(): { keys: JWK[] } {
  const suffix = randomBytes(4).toString("hex");
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return {
    keys: [
      { ...rsa, kid: `demo-rsa-${suffix}`, use: "sig", alg: "RS256" } as JWK,
      { ...ec, kid: `demo-ec-${suffix}`, use: "sig", alg: "ES256" } as JWK,
    ],
  };
}

const ClaimsParameter = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not JSON" });
      return z.NEVER;
    }
  })
  .pipe(
    z.object({
      id_token: z
        .object({
          acr: z
            .object({ essential: z.boolean().optional(), values: z.array(z.string()).optional() })
            .nullish(),
        })
        .nullish(),
    }),
  );

/** The ACR values a service provider made essential through `claims`, if any. */
function essentialAcrs(params: Record<string, unknown>): string[] {
  const parsed = ClaimsParameter.safeParse(params.claims);
  const acr = parsed.success ? parsed.data.id_token?.acr : undefined;
  return acr?.essential && acr.values ? acr.values : [];
}

const LoginForm = z.object({
  email: z.string().trim().default(""),
  acr: z.string().optional(),
});

export function createDemoIdentityProvider(options: DemoIdentityProviderOptions): DemoIdentityProvider {
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  const bySub = new Map(accounts.map((account) => [accountSubOf(account), account]));
  // The typed address as it was typed first (tests hold accounts differing only in case), then any case.
  const accountOf = (email: string) =>
    accounts.find((a) => a.email === email) ??
    accounts.find((a) => a.email.toLowerCase() === email.toLowerCase());
  const lastAcr = new Map<string, string>();
  const basePath = new URL(options.issuer).pathname.replace(/\/+$/, "");
  const honourEssentialAcr = options.honourEssentialAcr ?? true;
  const state: { accessDenied: string | undefined } = { accessDenied: undefined };

  const findAccount: FindAccount = (_ctx, sub) => {
    const account = bySub.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: () => claimsOf(account, lastAcr.get(sub) ?? "eidas1") };
  };

  // ProConnect never shows a consent screen: every client gets the scopes and claims it asked for.
  const loadExistingGrant = async (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    if (!oidc.client || !oidc.session?.accountId) return undefined;
    const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
    const grant =
      (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ??
      new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    grant.addOIDCScope([...oidc.requestParamScopes].join(" "));
    grant.addOIDCClaims([...oidc.requestParamClaims]);
    await grant.save();
    return grant;
  };

  const policy = interactionPolicy.base();
  if (!honourEssentialAcr) {
    const login = policy.get("login")!;
    login.checks.remove("essential_acrs");
    login.checks.remove("essential_acr");
  }

  const configuration: Configuration = {
    adapter: memoryAdapterFactory(),
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: c.clientName ?? c.clientId,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: c.idTokenSigningAlg ?? "RS256",
      ...(c.userinfoSigningAlg === null
        ? {}
        : { userinfo_signed_response_alg: c.userinfoSigningAlg ?? "RS256" }),
      scope: c.scope ?? DEMO_ALLOWED_SCOPES,
    })),
    claims: CLAIMS,
    scopes: ["openid"],
    acrValues: ACR_VALUES,
    extraParams: ["idp_hint", "siret_hint"],
    responseTypes: ["code"],
    subjectTypes: ["public"],
    clientAuthMethods: ["client_secret_post"],
    pkce: { required: () => false },
    enabledJWA: {
      idTokenSigningAlgValues: ["HS256", "ES256", "RS256"],
      userinfoSigningAlgValues: ["HS256", "ES256", "RS256"],
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      claimsParameter: { enabled: true },
      jwtUserinfo: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = "html";
          ctx.body = await renderIdpPage(basePath, "logout", {
            title: "Déconnexion de ProConnect",
            form,
            clientName: ctx.oidc.client?.clientName ?? "",
          });
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = "html";
          ctx.body = await renderIdpPage(basePath, "logged-out", {
            title: "Vous êtes déconnecté de ProConnect",
          });
        },
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    loadExistingGrant,
    findAccount,
    interactions: {
      policy,
      // Must carry the mount path: oidc-provider only knows its own routes.
      url: (_ctx, interaction) => `${basePath}/interaction/${interaction.uid}`,
    },
    routes: {
      authorization: "/authorize",
      token: "/token",
      userinfo: "/userinfo",
      jwks: "/jwks",
      end_session: "/session/end",
      introspection: "/token/introspection",
      revocation: "/token/revocation",
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 2 * 3600,
      Interaction: 3600,
      Session: 12 * 3600,
      Grant: 12 * 3600,
    },
    jwks: options.jwks ?? generateSigningKeys(),
    cookies: { keys: [randomBytes(32).toString("hex")] },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = await renderIdpPage(basePath, "error", {
        title: "Erreur ProConnect",
        message: "La demande n'a pas pu être traitée par le fournisseur d'identité.",
        error: out.error,
        description: out.error_description ?? "",
      });
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.proxy ?? false;
  const router = Router();
  router.use(
    "/static/dsfr",
    express.static(path.join(PROJECT_ROOT, "node_modules/@gouvfr/dsfr/dist"), { index: false }),
  );
  router.use("/interaction", (_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  const renderLogin = async (req: Request, error: string | undefined) => {
    const details = await provider.interactionDetails(req, req.res!);
    const client = await provider.Client.find(String(details.params.client_id));
    const requested = essentialAcrs(details.params);
    const hint = typeof details.params.login_hint === "string" ? details.params.login_hint.toLowerCase() : "";
    return renderIdpPage(basePath, "login", {
      title: "Connexion à ProConnect",
      uid: details.uid,
      clientName: client?.clientName ?? String(details.params.client_id),
      accounts,
      selectedEmail: accounts.some((a) => a.email === hint) ? hint : accounts[0]?.email,
      acrValues: KNOWN_ACR_VALUES,
      requestedAcrs: requested,
      selectedAcr: requested.find((acr) => KNOWN_ACR_VALUES.includes(acr)) ?? "eidas1",
      error,
    });
  };

  router.get("/interaction/:uid", async (req, res) => {
    res.type("html").send(await renderLogin(req, undefined));
  });

  router.post(
    "/interaction/:uid/login",
    express.urlencoded({ extended: false, limit: "4kb" }),
    async (req, res) => {
      const details = await provider.interactionDetails(req, res);
      const form = LoginForm.parse(req.body ?? {});
      const account = accountOf(form.email);
      if (!account) {
        res
          .status(400)
          .type("html")
          .send(await renderLogin(req, "Adresse inconnue : choisissez l'un des comptes de démonstration."));
        return;
      }
      const acr = form.acr && ACR_VALUES.includes(form.acr) ? form.acr : "eidas1";
      if (state.accessDenied !== undefined) {
        await provider.interactionFinished(req, res, {
          error: "access_denied",
          error_description: state.accessDenied,
        });
        return;
      }
      const requested = essentialAcrs(details.params);
      if (honourEssentialAcr && requested.length > 0 && !requested.includes(acr)) {
        await provider.interactionFinished(req, res, {
          error: "access_denied",
          error_description: "requested ACRs could not be satisfied",
        });
        return;
      }
      const sub = accountSubOf(account);
      lastAcr.set(sub, acr);
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: sub, acr, amr: amrFor(acr) } },
        { mergeWithLastSubmission: false },
      );
    },
  );

  router.post("/interaction/:uid/abort", async (req, res) => {
    await provider.interactionFinished(req, res, {
      error: "access_denied",
      error_description: "End-User aborted interaction",
    });
  });

  const interactionErrors: ErrorRequestHandler = async (error, _req, res, _next) => {
    const status = typeof error?.status === "number" && error.status < 500 ? error.status : 500;
    const expired = error?.name === "SessionNotFound";
    res
      .status(status)
      .type("html")
      .send(
        await renderIdpPage(basePath, "error", {
          title: expired ? "Demande de connexion expirée" : "Erreur ProConnect",
          message: expired
            ? "Cette demande de connexion a expiré ou a déjà été traitée. Retournez sur le service pour recommencer."
            : "La demande n'a pas pu être traitée par le fournisseur d'identité.",
          error: typeof error?.error === "string" ? error.error : "",
          description: typeof error?.error_description === "string" ? error.error_description : "",
        }),
      );
  };
  router.use("/interaction", interactionErrors);
  router.use(provider.callback());

  return {
    issuer: options.issuer,
    basePath,
    router,
    get accessDenied() {
      return state.accessDenied;
    },
    set accessDenied(description: string | undefined) {
      state.accessDenied = description;
    },
    subOf: (email: string) => {
      const account = accountOf(email);
      if (!account) throw new Error(`${email} is not an account of this provider`);
      return accountSubOf(account);
    },
  };
}
