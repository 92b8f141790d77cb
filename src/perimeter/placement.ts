import type { Perimeter } from "./lock-values.js";
import {
  organisationPlacement,
  type OrganisationMatch,
  type OrganisationPlacement,
} from "./organisation-placement.js";

/**
 * Placement: from who ProConnect says a person is, to the profiles they may use. Pure: the I/O around it
 * (grants from the gateway database, organisations and members from the warehouse) is in
 * placement-service.ts.
 *
 * Order (PRODUCT.md §3): an explicit grant wins; otherwise automatic rules on the claims, where the SIRET
 * (or, for France Travail, the SAFIR code its own identity provider sends) only names an organisation and
 * a second signal must confirm the person belongs to it: their e-mail among les emplois' members of that
 * structure or organisation, or, for State services and France Travail, an e-mail domain tied to that
 * service and its territory; otherwise no access, never a default perimeter, and the reason says which
 * signal was missing.
 */

export type { OrganisationMatch } from "./organisation-placement.js";

export const PROFILE_KINDS = [
  "ddets",
  "dreets",
  "dgefp",
  "conseil_departemental",
  "france_travail",
  "prescripteur",
  "reseau_iae",
  "employeur_siae",
  "staff",
] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** How pages, staff forms and test reports name each kind of profile. */
export const PROFILE_LABELS: Record<ProfileKind, string> = {
  ddets: "DDETS",
  dreets: "DREETS",
  dgefp: "DGEFP",
  conseil_departemental: "Conseil départemental",
  france_travail: "France Travail",
  prescripteur: "Prescripteur habilité",
  reseau_iae: "Réseau IAE",
  employeur_siae: "Employeur SIAE",
  staff: "Équipe Pilotage",
};

export interface Identity {
  sub: string;
  email: string;
  siret?: string | undefined;
  /** ProConnect `idp_id`: which identity provider vouched for the person. */
  idpId?: string | undefined;
  custom?: Record<string, unknown> | undefined;
}

export interface Grant {
  id: number;
  kind: ProfileKind;
  organisationLabel: string;
  perimeter: Perimeter;
  validFrom: Date;
  validUntil: Date | null;
  revokedAt: Date | null;
}

/** The person's memberships in les emplois (warehouse ids), found by e-mail in `annuaire.membres`. */
export interface Memberships {
  structures: readonly number[];
  organisations: readonly number[];
  institutions: readonly number[];
}

export const NO_MEMBERSHIPS: Memberships = { structures: [], organisations: [], institutions: [] };

/** metabase-config/placement.yaml, as placement-rules.ts reads it. */
export interface PlacementRules {
  /** SIRETs ProConnect substitutes for invalid ones (ministries' head offices): never trusted. */
  untrustedSirets: readonly string[];
  franceTravail: {
    /**
     * Identity providers whose `custom.structureTravail` (SAFIR code) is believed: any provider can put
     * any property in `custom`, so only France Travail's own count.
     */
    idpIds: readonly string[];
    /** E-mail domains that confirm a France Travail agent (membership of the agency does too). */
    emailDomains: readonly string[];
  };
  /**
   * E-mail domains that confirm a State service (membership of the service does too): the DGEFP's, each
   * DREETS's by région code, each DDETS's by département code. A domain accepts its sub-domains.
   */
  stateDomains: {
    dgefp: readonly string[];
    dreets: Readonly<Record<string, readonly string[]>>;
    ddets: Readonly<Record<string, readonly string[]>>;
  };
}

export interface Placement extends OrganisationPlacement {
  source: "grant" | "siret" | "safir";
}

/** Why a person could not be placed (the request-access page says it in French: refusalMessage). */
export const REFUSALS = [
  "no_siret",
  "untrusted_siret",
  "unknown_organisation",
  "organisation_not_eligible",
  "not_a_member",
  "email_domain_refused",
  "untrusted_identity_provider",
  "empty_perimeter",
] as const;
export type Refusal = (typeof REFUSALS)[number];

export type PlacementResult =
  | { placements: Placement[]; refusal: null }
  | {
      placements: [];
      refusal: Refusal;
      /** The organisation the SIRET named, when the second signal was what failed. */
      organisation?: string | undefined;
    };

export function isGrantActive(grant: Grant, now: Date): boolean {
  return (
    grant.revokedAt === null &&
    grant.validFrom.getTime() <= now.getTime() &&
    (grant.validUntil === null || grant.validUntil.getTime() > now.getTime())
  );
}

/** How the staff pages name a grant's state, by the same rule placement applies (isGrantActive). */
export function grantState(grant: Grant, now: Date): "actif" | "révoqué" | "à venir" | "expiré" {
  if (grant.revokedAt !== null) return "révoqué";
  if (isGrantActive(grant, now)) return "actif";
  return grant.validFrom.getTime() > now.getTime() ? "à venir" : "expiré";
}

export function emailDomainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** Whether the e-mail's domain is one of `domains` or a sub-domain of one. */
export function emailDomainAccepted(email: string, domains: readonly string[] | undefined): boolean {
  if (!domains) return false;
  const domain = emailDomainOf(email);
  return domains.some((entry) => {
    const d = entry.trim().toLowerCase();
    return domain === d || domain.endsWith(`.${d}`);
  });
}

/** The e-mail domains tied to a State service's kind and territory, if it is one. */
function stateDomainsOf(match: OrganisationMatch, rules: PlacementRules): readonly string[] | undefined {
  if (match.source !== "institution") return undefined;
  switch (match.type) {
    case "DDETS IAE":
      return match.departement ? rules.stateDomains.ddets[match.departement] : undefined;
    case "DREETS IAE":
      return match.codeRegion ? rules.stateDomains.dreets[match.codeRegion] : undefined;
    case "DGEFP IAE":
      return rules.stateDomains.dgefp;
    default:
      return undefined;
  }
}

type Confirmation =
  | { confirmed: OrganisationPlacement }
  | { refusal: "not_a_member" | "email_domain_refused"; organisation: string };

/**
 * The second signal for one organisation the claims named: the person's memberships, or for State
 * services and France Travail an e-mail domain tied to the service. An employer keeps the structures of
 * its SIREN the person is a member of, as les emplois does.
 */
function confirm(
  match: OrganisationMatch,
  placement: OrganisationPlacement,
  identity: Identity,
  memberships: Memberships,
  rules: PlacementRules,
): Confirmation {
  const refused = (refusal: "not_a_member" | "email_domain_refused"): Confirmation => ({
    refusal,
    organisation: placement.organisationLabel,
  });
  if (match.source === "employeur") {
    const mine = new Set(memberships.structures);
    const structures = match.structures.filter((s) => mine.has(s.id)).map((s) => s.id);
    return structures.length > 0
      ? { confirmed: { ...placement, perimeter: { structures } } }
      : refused("not_a_member");
  }
  if (match.source === "institution") {
    if (memberships.institutions.includes(match.id)) return { confirmed: placement };
    const domains = stateDomainsOf(match, rules);
    if (domains === undefined) return refused("not_a_member");
    return emailDomainAccepted(identity.email, domains)
      ? { confirmed: placement }
      : refused("email_domain_refused");
  }
  if (memberships.organisations.includes(match.id)) return { confirmed: placement };
  if (placement.kind === "france_travail") {
    return emailDomainAccepted(identity.email, rules.franceTravail.emailDomains)
      ? { confirmed: placement }
      : refused("email_domain_refused");
  }
  return refused("not_a_member");
}

export function resolvePlacements(input: {
  identity: Identity;
  grants: readonly Grant[];
  matches: readonly OrganisationMatch[];
  memberships: Memberships;
  rules: PlacementRules;
  now: Date;
}): PlacementResult {
  const { identity, grants, matches, memberships, rules, now } = input;

  const active = grants.filter((g) => isGrantActive(g, now));
  if (active.length > 0) {
    const placements = active
      .filter((g) => hasSomeScope(g.perimeter))
      .map<Placement>((g) => ({
        kind: g.kind,
        organisationRef: `grant:${g.id}`,
        organisationLabel: g.organisationLabel,
        perimeter: g.perimeter,
        source: "grant",
      }));
    return placements.length > 0
      ? { placements, refusal: null }
      : { placements: [], refusal: "empty_perimeter" };
  }

  const siretTrusted = !!identity.siret && !rules.untrustedSirets.includes(identity.siret);
  // France Travail agents are placed by the SAFIR code of their agency only: many share one SIRET
  // (a direction's), which must never widen an agent's scope.
  const safirTrusted = !!identity.idpId && rules.franceTravail.idpIds.includes(identity.idpId);
  const isFranceTravail = (m: OrganisationMatch) => m.source === "organisation" && m.type === "FT";
  const usable = matches.filter((m) => {
    if (isFranceTravail(m)) return m.source === "organisation" && m.matchedBy === "safir" && safirTrusted;
    return siretTrusted;
  });
  if (usable.length === 0) {
    // A SAFIR code, or France Travail's SIRET, from a provider that is not France Travail's own.
    const claimsFranceTravail =
      typeof identity.custom?.structureTravail === "string" ||
      (siretTrusted && matches.some(isFranceTravail));
    if (claimsFranceTravail && !safirTrusted)
      return { placements: [], refusal: "untrusted_identity_provider" };
    if (!identity.siret) return { placements: [], refusal: "no_siret" };
    if (!siretTrusted) return { placements: [], refusal: "untrusted_siret" };
    return { placements: [], refusal: "unknown_organisation" };
  }

  const candidates = usable.flatMap((match) => {
    const placement = organisationPlacement(match);
    return placement ? [{ match, placement }] : [];
  });
  if (candidates.length === 0) return { placements: [], refusal: "organisation_not_eligible" };

  const confirmations = candidates.map(({ match, placement }) => ({
    match,
    outcome: confirm(match, placement, identity, memberships, rules),
  }));
  const confirmed = confirmations.flatMap(({ match, outcome }) => {
    if (!("confirmed" in outcome)) return [];
    const source: Placement["source"] =
      match.source === "organisation" && match.matchedBy === "safir" ? "safir" : "siret";
    return [{ ...outcome.confirmed, source }];
  });
  if (confirmed.length === 0) {
    const first = confirmations[0]!.outcome;
    return "refusal" in first
      ? { placements: [], refusal: first.refusal, organisation: first.organisation }
      : { placements: [], refusal: "organisation_not_eligible" };
  }
  const unique = new Map(confirmed.map((p) => [`${p.kind}|${p.organisationRef}`, p]));
  return { placements: [...unique.values()], refusal: null };
}

function hasSomeScope(perimeter: Perimeter): boolean {
  return (
    (perimeter.departements?.length ?? 0) > 0 ||
    (perimeter.structures?.length ?? 0) > 0 ||
    perimeter.organisation !== undefined ||
    perimeter.reseau !== undefined
  );
}

/**
 * French explanation of a refusal, shown on the request-access page: which signal was missing, and for
 * the second signal, which organisation the SIRET named.
 */
export function refusalMessage(refusal: Refusal, organisation?: string | null): string {
  const named = organisation ? `« ${organisation} »` : "votre organisation";
  switch (refusal) {
    case "no_siret":
      return "ProConnect ne nous a pas transmis le SIRET de votre organisation.";
    case "untrusted_siret":
      return "Le SIRET transmis par ProConnect est celui, par défaut, de votre ministère : il ne permet pas de savoir dans quel service vous travaillez.";
    case "unknown_organisation":
      return "Votre organisation ne figure pas parmi celles que nous connaissons.";
    case "organisation_not_eligible":
      return "Votre organisation ne donne pas accès à des tableaux de bord privés.";
    case "not_a_member":
      return `Le SIRET transmis par ProConnect désigne ${named}, mais votre adresse électronique ne figure pas parmi ses membres sur les emplois de l'inclusion. Un administrateur de votre structure peut vous y inviter ; vous pouvez aussi demander un accès ci-dessous.`;
    case "email_domain_refused":
      return `Le SIRET transmis par ProConnect désigne ${named}, mais votre adresse électronique ne relève d'aucun domaine rattaché à ce service, et vous ne figurez pas parmi ses membres sur les emplois de l'inclusion.`;
    case "untrusted_identity_provider":
      return "Votre code d'agence France Travail n'est pris en compte que si vous vous connectez avec votre compte France Travail, pas avec un autre fournisseur d'identité.";
    case "empty_perimeter":
      return "Votre accès ne couvre aucun territoire ni aucune structure.";
  }
}
