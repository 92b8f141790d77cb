import { ALL_DEPARTEMENT_CODES, findDepartement, findRegion } from "../territories/territories.js";
import type { Perimeter } from "./lock-values.js";
import type { ProfileKind } from "./placement.js";

/**
 * What an organisation of the warehouse gives the people confirmed as its own: a profile kind and a
 * perimeter, or nothing (an organisation that opens no private dashboard). Pure; the placement rules
 * decide who is confirmed (placement.ts), the staff preview shows an organisation as its people see it.
 */

/** An organisation of the warehouse the claims point to (by SIRET, or by SAFIR code), or staff picked. */
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

export interface OrganisationPlacement {
  kind: ProfileKind;
  /** Stable reference of the organisation, e.g. "institution:1", "organisation:2", "employeur:812000001". */
  organisationRef: string;
  organisationLabel: string;
  perimeter: Perimeter;
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

/** The profile an organisation gives its confirmed people (an employer: all its structures), or null. */
export function organisationPlacement(match: OrganisationMatch): OrganisationPlacement | null {
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
