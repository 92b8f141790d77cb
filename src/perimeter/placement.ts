import { ALL_DEPARTEMENT_CODES, findDepartement, findRegion } from "../territories/territories.js";
import type { Perimeter } from "./lock-values.js";

/**
 * Placement: from who ProConnect says a person is, to the profiles they may use. Pure: the I/O around it
 * (grants from the gateway database, organisations from the warehouse) is in placement-service.ts.
 *
 * Order (PRODUCT.md §3): an explicit grant wins; otherwise automatic rules on the claims (the SIRET
 * matched against the warehouse's reference organisations, confirmed by an e-mail domain rule where one
 * is configured; France Travail agents by the SAFIR code of `custom.structureTravail`); otherwise no
 * access, never a default perimeter.
 */

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

/** An organisation of the warehouse the claims point to (by SIRET, or by SAFIR code). */
export type OrganisationMatch =
  | {
      source: "institution";
      id: number;
      type: string;
      nom: string;
      departement: string | null;
      codeRegion: string | null;
      /** Member structures, for a réseau IAE. */
      members: number[];
    }
  | {
      source: "organisation";
      id: number;
      type: string;
      nom: string;
      departement: string | null;
      habilitee: boolean;
      brsa: boolean;
      codeSafir: string | null;
      niveauFt: string | null;
      /** Départements a France Travail territorial direction covers (some cover two). */
      departementsCouverts: string[];
      matchedBy: "siret" | "safir";
    }
  | {
      source: "employeur";
      siren: string;
      nom: string;
      /** Every active structure of the employer (same SIREN). */
      structures: Array<{ id: number; departement: string }>;
    };

export interface PlacementRules {
  /**
   * Per profile kind, the e-mail domains that confirm it (`gouv.fr` accepts `gouv.fr` and any
   * sub-domain). Kinds of DOMAIN_CHECKED_KINDS without an entry place nobody.
   */
  emailDomains: Partial<Record<ProfileKind, readonly string[]>>;
  /** SIRETs ProConnect substitutes for invalid ones (ministries' head offices): never trusted. */
  untrustedSirets: readonly string[];
  /**
   * Identity providers whose `custom.structureTravail` (SAFIR code) is believed: any provider can put
   * any property in `custom`, so only France Travail's own count.
   */
  franceTravailIdpIds: readonly string[];
}

/**
 * State services and France Travail are placed on claims a wrong SIRET could point elsewhere: for them
 * the e-mail domain rule is mandatory, never skipped.
 */
export const DOMAIN_CHECKED_KINDS: ReadonlySet<ProfileKind> = new Set([
  "ddets",
  "dreets",
  "dgefp",
  "france_travail",
]);

export function emailDomainAccepted(email: string, domains: readonly string[] | undefined): boolean {
  if (!domains) return false;
  const domain = emailDomain(email);
  return domains.some((entry) => {
    const d = entry.trim().toLowerCase();
    return domain === d || domain.endsWith(`.${d}`);
  });
}

export interface Placement {
  kind: ProfileKind;
  /** Stable reference of the organisation, e.g. "institution:1", "organisation:2", "employeur:812000001", "grant:5". */
  organisationRef: string;
  organisationLabel: string;
  perimeter: Perimeter;
  source: "grant" | "siret" | "safir";
}

export type Refusal =
  | "no_siret"
  | "untrusted_siret"
  | "unknown_organisation"
  | "organisation_not_eligible"
  | "email_domain_refused"
  | "empty_perimeter";

export type PlacementResult =
  { placements: Placement[]; refusal: null } | { placements: []; refusal: Refusal };

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

function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

function regionOf(departement: string | null): string | undefined {
  return departement ? findDepartement(departement)?.codeRegion : undefined;
}

function departementPerimeter(departement: string | null): Perimeter | null {
  if (!departement || !findDepartement(departement)) return null;
  const region = regionOf(departement);
  return { departements: [departement], ...(region ? { region } : {}) };
}

function regionPerimeter(codeRegion: string | null): Perimeter | null {
  const region = codeRegion ? findRegion(codeRegion) : undefined;
  return region ? { departements: [...region.departements], region: region.code } : null;
}

const NATIONAL: Perimeter = { departements: ALL_DEPARTEMENT_CODES };

/** France Travail by level: DG everything, DR its région, DT the départements it covers, an agency its own. */
function franceTravailPerimeter(
  match: Extract<OrganisationMatch, { source: "organisation" }>,
): Perimeter | null {
  switch (match.niveauFt) {
    case "DGFT":
      return NATIONAL;
    case "DRFT":
      return regionPerimeter(regionOf(match.departement) ?? null);
    case "DTFT":
      return match.departementsCouverts.length > 0
        ? { departements: [...match.departementsCouverts] }
        : departementPerimeter(match.departement);
    default:
      return departementPerimeter(match.departement);
  }
}

function withOrganisation(perimeter: Perimeter | null, organisation: number): Perimeter | null {
  return perimeter ? { ...perimeter, organisation } : null;
}

/** The automatic rule for one organisation, before the e-mail check: its kind and perimeter, or null. */
function automaticPlacement(match: OrganisationMatch): Omit<Placement, "source"> | null {
  if (match.source === "employeur") {
    if (match.structures.length === 0) return null;
    return {
      kind: "employeur_siae",
      organisationRef: `employeur:${match.siren}`,
      organisationLabel: match.nom,
      perimeter: { structures: match.structures.map((s) => s.id) },
    };
  }
  if (match.source === "institution") {
    const base = { organisationRef: `institution:${match.id}`, organisationLabel: match.nom };
    switch (match.type) {
      case "DDETS IAE": {
        const perimeter = departementPerimeter(match.departement);
        return perimeter && { ...base, kind: "ddets", perimeter };
      }
      case "DREETS IAE": {
        const perimeter = regionPerimeter(match.codeRegion);
        return perimeter && { ...base, kind: "dreets", perimeter };
      }
      case "DGEFP IAE":
        return { ...base, kind: "dgefp", perimeter: NATIONAL };
      case "Réseau IAE":
        return match.members.length > 0
          ? { ...base, kind: "reseau_iae", perimeter: { reseau: match.id, structures: [...match.members] } }
          : null;
      default:
        return null;
    }
  }
  const base = { organisationRef: `organisation:${match.id}`, organisationLabel: match.nom };
  if (match.type === "FT") {
    const perimeter = withOrganisation(franceTravailPerimeter(match), match.id);
    return perimeter && { ...base, kind: "france_travail", perimeter };
  }
  // A "DEPT" organisation flagged bRSA is not a conseil départemental (les-emplois' guard).
  if (match.type === "DEPT" && match.habilitee && !match.brsa) {
    const perimeter = withOrganisation(departementPerimeter(match.departement), match.id);
    return perimeter && { ...base, kind: "conseil_departemental", perimeter };
  }
  if (match.habilitee && match.type !== "DEPT") {
    const perimeter = withOrganisation(departementPerimeter(match.departement), match.id);
    return perimeter && { ...base, kind: "prescripteur", perimeter };
  }
  return null;
}

export function resolvePlacements(input: {
  identity: Identity;
  grants: readonly Grant[];
  matches: readonly OrganisationMatch[];
  rules: PlacementRules;
  now: Date;
}): PlacementResult {
  const { identity, grants, matches, rules, now } = input;

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
  const safirTrusted = !!identity.idpId && rules.franceTravailIdpIds.includes(identity.idpId);
  const usable = matches.filter((m) => {
    if (m.source === "organisation" && m.type === "FT") return m.matchedBy === "safir" && safirTrusted;
    return siretTrusted;
  });
  if (usable.length === 0) {
    if (!identity.siret) return { placements: [], refusal: "no_siret" };
    if (!siretTrusted) return { placements: [], refusal: "untrusted_siret" };
    return { placements: [], refusal: "unknown_organisation" };
  }

  const candidates = usable.flatMap((m) => {
    const placement = automaticPlacement(m);
    if (!placement) return [];
    const source: Placement["source"] =
      m.source === "organisation" && m.matchedBy === "safir" ? "safir" : "siret";
    return [{ ...placement, source }];
  });
  if (candidates.length === 0) return { placements: [], refusal: "organisation_not_eligible" };

  const confirmed = candidates.filter((p) => {
    const domains = rules.emailDomains[p.kind];
    if (!domains && !DOMAIN_CHECKED_KINDS.has(p.kind)) return true;
    return emailDomainAccepted(identity.email, domains);
  });
  if (confirmed.length === 0) return { placements: [], refusal: "email_domain_refused" };

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

/** French explanation of a refusal, shown on the no-access page. */
export const REFUSAL_MESSAGES: Record<Refusal, string> = {
  no_siret: "ProConnect ne nous a pas transmis le SIRET de votre organisation.",
  untrusted_siret:
    "Le SIRET transmis par ProConnect est celui, par défaut, de votre ministère : il ne permet pas de savoir dans quel service vous travaillez.",
  unknown_organisation: "Votre organisation ne figure pas parmi celles que nous connaissons.",
  organisation_not_eligible: "Votre organisation ne donne pas accès à des tableaux de bord privés.",
  email_domain_refused:
    "Votre adresse électronique ne correspond pas aux domaines attendus pour votre organisation.",
  empty_perimeter: "Votre accès ne couvre aucun territoire ni aucune structure.",
};
