import { createHash } from "node:crypto";
import type { DemoAccount } from "../demo/accounts.js";

/**
 * ProConnect's `sub` is a UUID v4 created at the first login. The demo derives it from the email so a
 * demo account keeps the same `sub` across restarts (grants keyed on `sub` keep working).
 */
export function demoSubOf(email: string): string {
  const hex = createHash("sha256").update(`pilotage-demo:${email.toLowerCase()}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The second factors ProConnect reports in `amr` for each level (proconnect.md §1.6). */
export function amrFor(acr: string): string[] {
  if (acr === "eidas3") return ["pop", "hwk", "mfa"];
  if (acr === "eidas2" || acr.endsWith("-mfa")) return ["pwd", "otp", "mfa"];
  return ["pwd"];
}

/**
 * Every claim ProConnect could send for the account; oidc-provider keeps only those the granted scopes
 * and the `claims` parameter allow, as ProConnect does.
 */
/** The account's `sub`: its own when a test gives one, else the one derived from its e-mail. */
export function accountSubOf(account: Pick<DemoAccount, "email" | "sub">): string {
  return account.sub ?? demoSubOf(account.email);
}

export function claimsOf(account: DemoAccount, idpAcr: string): Record<string, unknown> & { sub: string } {
  return {
    sub: accountSubOf(account),
    email: account.email,
    given_name: account.givenName,
    usual_name: account.usualName,
    uid: account.uid,
    siret: account.siret,
    siren: account.siret.slice(0, 9),
    organization_label: account.organizationLabel,
    idp_id: account.idpId,
    idp_acr: idpAcr,
    roles: account.roles,
    custom: account.custom,
    belonging_population: "agent",
  };
}
