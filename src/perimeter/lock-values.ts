import { AppError } from "../errors.js";
import { findDepartement, findRegion } from "../territories/territories.js";

/**
 * What a perimeter can fill a locked dashboard parameter with. The names are the contract between
 * metabase-config/ (a locked parameter says which attribute fills it) and the perimeter.
 */
export const PERIMETER_ATTRIBUTES = [
  "departements",
  "departement_labels",
  "region",
  "bassins",
  "epci",
  "structures",
  "reseau",
  "organisation",
] as const;

export type PerimeterAttribute = (typeof PERIMETER_ATTRIBUTES)[number];

/**
 * Where a person may look. Territory is always an explicit list of départements (national scope is the
 * list of all of them, never "no filter"); structures, network and organisation are warehouse ids.
 */
export interface Perimeter {
  /** Département codes ("93", "2A", "971"). */
  departements?: readonly string[];
  /**
   * Code of the région the départements lie in: all of it for a DREETS, one of its départements for a
   * DDETS. Only the former fills a `region` lock (lockValue).
   */
  region?: string;
  /**
   * Bassin d'emploi codes: every bassin of the départements, or the one a viewer narrowed to. Never
   * stored: worked out per request from the warehouse's reference (src/perimeter/narrowing.ts). A bassin
   * may straddle départements: the département lock keeps only its part inside.
   */
  bassins?: readonly string[];
  /** EPCI codes, only for a single département: all of its EPCI, or the one a viewer narrowed to. */
  epci?: readonly string[];
  /** Structure ids (C1 ids). */
  structures?: readonly number[];
  /** Network (réseau IAE institution) id. */
  reseau?: number;
  /** Prescriber organisation id. */
  organisation?: number;
}

/** A lock value as it goes into the token: a list for multi-valued attributes, a string otherwise. */
export type LockValue = string | readonly string[];
export type LockValues = Partial<Record<PerimeterAttribute, LockValue>>;

/**
 * Raised when a perimeter would sign an empty or missing lock: Metabase treats `[]` as "no filter", so
 * this must deny access (PRODUCT.md §3, invariant 2), never fall through.
 */
export class EmptyLockError extends AppError {
  constructor(readonly attribute: string) {
    super(403, "Votre périmètre ne permet pas d'ouvrir ce tableau de bord.", {
      code: "empty_perimeter",
      details: { attribute },
    });
  }
}

function nonEmpty<T>(attribute: PerimeterAttribute, values: readonly T[] | undefined): readonly T[] {
  if (!values || values.length === 0) throw new EmptyLockError(attribute);
  return values;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/** The value of one attribute; throws EmptyLockError when the perimeter cannot fill it. */
export function lockValue(perimeter: Perimeter, attribute: PerimeterAttribute): LockValue {
  switch (attribute) {
    case "departements":
      return [...nonEmpty(attribute, perimeter.departements)];
    case "departement_labels":
      return nonEmpty(attribute, perimeter.departements).map((code) => {
        const departement = findDepartement(code);
        if (!departement) throw new EmptyLockError(attribute);
        return departement.libelle;
      });
    case "region": {
      // A région lock shows the whole région: it is signed only for a perimeter that is exactly one
      // région, never for a département that happens to carry its région's code (issue 15).
      const region = perimeter.region ? findRegion(perimeter.region) : undefined;
      if (!region || !sameSet(region.departements, perimeter.departements ?? [])) {
        throw new EmptyLockError(attribute);
      }
      return region.nom;
    }
    case "bassins":
      return [...nonEmpty(attribute, perimeter.bassins)];
    case "epci":
      return [...nonEmpty(attribute, perimeter.epci)];
    case "structures":
      return nonEmpty(attribute, perimeter.structures).map(String);
    case "reseau":
      if (perimeter.reseau === undefined) throw new EmptyLockError(attribute);
      return String(perimeter.reseau);
    case "organisation":
      if (perimeter.organisation === undefined) throw new EmptyLockError(attribute);
      return String(perimeter.organisation);
    default:
      // An attribute this code does not know can fill nothing: deny rather than sign `undefined`.
      throw new EmptyLockError(String(attribute));
  }
}

/** Every attribute the perimeter can fill, each with a non-empty value. */
export function lockValues(perimeter: Perimeter): LockValues {
  const values: LockValues = {};
  for (const attribute of PERIMETER_ATTRIBUTES) {
    try {
      values[attribute] = lockValue(perimeter, attribute);
    } catch (error) {
      if (!(error instanceof EmptyLockError)) throw error;
    }
  }
  return values;
}

/** The lock values a dashboard needs, each one required: a missing one denies access. */
export function requiredLockValues(
  perimeter: Perimeter,
  locks: ReadonlyArray<{ slug: string; attribute: PerimeterAttribute }>,
): Record<string, LockValue> {
  return Object.fromEntries(locks.map(({ slug, attribute }) => [slug, lockValue(perimeter, attribute)]));
}

/** Short French description of a perimeter, for titles ("93 - Seine-Saint-Denis", "Île-de-France"…). */
export function describePerimeter(perimeter: Perimeter, allDepartementsCount: number): string {
  const departements = perimeter.departements ?? [];
  if (perimeter.structures && perimeter.structures.length > 0 && departements.length === 0) {
    return perimeter.reseau !== undefined
      ? `les ${perimeter.structures.length} structures adhérentes du réseau`
      : perimeter.structures.length === 1
        ? "votre structure"
        : `vos ${perimeter.structures.length} structures`;
  }
  if (departements.length >= allDepartementsCount) return "France entière";
  if (perimeter.region) {
    const region = findRegion(perimeter.region);
    if (region && sameSet(region.departements, departements)) return region.nom;
  }
  if (departements.length === 1) return findDepartement(departements[0]!)?.libelle ?? departements[0]!;
  return departements.join(", ");
}
