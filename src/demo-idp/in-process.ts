import { randomBytes } from "node:crypto";
import type { Router } from "express";
import type { Config } from "../config.js";
import { createDemoIdentityProvider, type DemoIdentityProvider } from "./provider.js";

/** Where `npm run demo` mounts the provider, so its issuer is `${PUBLIC_URL}/demo-proconnect/api/v2`. */
export const DEMO_PROVIDER_PATH = "/demo-proconnect/api/v2";

export interface InProcessDemoProvider {
  /** The configuration with ProConnect pointed at the in-process provider. */
  config: Config;
  provider: DemoIdentityProvider;
  mount: { path: string; router: Router };
}

/**
 * The demo's identity provider when PROCONNECT_ISSUER is unset: created in the gateway's process, with a
 * client id and a secret drawn at start, registered with the gateway's own callback URLs. Never in
 * production, whatever the configuration says (loadConfig already refuses production without an issuer).
 */
export function inProcessDemoProvider(
  config: Config,
  gatewayUris: { redirectUri: string; postLogoutRedirectUri: string },
): InProcessDemoProvider | undefined {
  if (config.proconnect.issuer) return undefined;
  if (config.env === "production") {
    throw new Error("Le fournisseur d'identité de démonstration ne peut pas être monté en production.");
  }
  const issuer = `${config.http.publicUrl}${DEMO_PROVIDER_PATH}`;
  const clientSecret = randomBytes(32).toString("base64url");
  const provider = createDemoIdentityProvider({
    issuer,
    clients: [
      {
        clientId: config.proconnect.clientId,
        clientSecret,
        clientName: "Pilotage de l'inclusion",
        redirectUris: [gatewayUris.redirectUri],
        postLogoutRedirectUris: [gatewayUris.postLogoutRedirectUri],
        idTokenSigningAlg: config.proconnect.signingAlg,
        userinfoSigningAlg: config.proconnect.signingAlg,
      },
    ],
  });
  return {
    config: { ...config, proconnect: { ...config.proconnect, issuer, clientSecret } },
    provider,
    mount: { path: new URL(issuer).pathname, router: provider.router },
  };
}
