import { z } from "zod";

/**
 * What ProConnect tells us about a person, parsed at the boundary (proconnect.md §1.4). Scope claims
 * come from the signed userinfo only; the ID token carries how they authenticated (`acr`, `amr`).
 * Optional claims are those ProConnect may leave out (a scope not granted, an identity provider that
 * does not send it); unknown claims are kept out of the session.
 */
export const ProConnectUserInfo = z.object({
  sub: z.string().min(1),
  email: z.email(),
  given_name: z.string(),
  usual_name: z.string(),
  uid: z.string().optional(),
  siret: z.string().optional(),
  organization_label: z.string().nullish(),
  idp_id: z.string().optional(),
  roles: z.array(z.string()).optional(),
  custom: z.record(z.string(), z.unknown()).nullish(),
});
export type ProConnectUserInfo = z.infer<typeof ProConnectUserInfo>;

export const ProConnectIdTokenClaims = z.object({
  sub: z.string().min(1),
  acr: z.string().optional(),
  amr: z.array(z.string()).optional(),
});
export type ProConnectIdTokenClaims = z.infer<typeof ProConnectIdTokenClaims>;

/**
 * The logged-in person as the session keeps it. Everything the perimeter needs is here, so placing a
 * person never calls ProConnect again. Tokens are not part of it: the ID token, kept for logout only,
 * lives beside it in the session and never leaves the server.
 */
export const SessionUser = z.object({
  /** ProConnect's account id (stable across service providers; may change if the person changes IdP). */
  sub: z.string(),
  email: z.string(),
  givenName: z.string(),
  usualName: z.string(),
  /** The person's id at their identity provider. */
  uid: z.string().nullable(),
  /** May be an identity provider's default SIRET (a ministry's head office): never trust it alone. */
  siret: z.string().nullable(),
  organizationLabel: z.string().nullable(),
  idpId: z.string().nullable(),
  roles: z.array(z.string()),
  /** Identity-provider specific data, e.g. France Travail's `structureTravail` (SAFIR code). */
  custom: z.record(z.string(), z.unknown()),
  acr: z.string(),
  amr: z.array(z.string()),
  /** Epoch milliseconds; the absolute session lifetime counts from here. */
  loginAt: z.number(),
});
export type SessionUser = z.infer<typeof SessionUser>;

export function sessionUserFrom(
  idToken: ProConnectIdTokenClaims & { acr: string },
  userInfo: ProConnectUserInfo,
  now: number,
): SessionUser {
  return {
    sub: userInfo.sub,
    email: userInfo.email,
    givenName: userInfo.given_name,
    usualName: userInfo.usual_name,
    uid: userInfo.uid ?? null,
    siret: userInfo.siret ?? null,
    organizationLabel: userInfo.organization_label ?? null,
    idpId: userInfo.idp_id ?? null,
    roles: userInfo.roles ?? [],
    custom: userInfo.custom ?? {},
    acr: idToken.acr,
    amr: idToken.amr ?? [],
    loginAt: now,
  };
}

export function displayNameOf(user: Pick<SessionUser, "givenName" | "usualName">): string {
  return `${user.givenName} ${user.usualName}`.trim();
}
