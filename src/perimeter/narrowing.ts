import { BadRequestError } from "../errors.js";
import { findDepartement } from "../territories/territories.js";
import type { TerritoryReference } from "../territories/reference.js";
import type { Perimeter } from "./lock-values.js";

/**
 * Narrowing (PRODUCT.md §3, invariant 1 as amended; issue 19): a viewer may choose, in the page's address,
 * a territory inside their perimeter — one of its départements, a bassin d'emploi or, within one
 * département, an EPCI — and every lock is then computed from `chosen ∩ perimeter`:
 *
 *   - the département lock is never replaced: it holds the chosen département, or all of the
 *     perimeter's; a département outside it is a 400, so nothing ever widens and nothing is ever `[]`;
 *   - the bassin lock holds the chosen bassin, or every bassin with a commune in those départements; a
 *     bassin straddling départements keeps only its part inside, through the département lock;
 *   - the EPCI lock exists only for a single département (all of France's EPCI would not fit in a token):
 *     the chosen EPCI, or every EPCI of that département.
 *
 * Pure: the reference (which bassins and EPCI each département holds) is read by the caller.
 */

export interface TerritoryChoice {
  departement?: string;
  bassin?: string;
  epci?: string;
}

/** The query-string names of a choice: the page's address, the embed API and the exports read the same. */
export const CHOICE_PARAMETERS = ["departement", "bassin", "epci"] as const;

export class NarrowingError extends BadRequestError {
  constructor(message: string, parameter: string) {
    super(message, { parameter });
  }
}

const FORMATS: Record<(typeof CHOICE_PARAMETERS)[number], RegExp> = {
  departement: /^(\d{2}|2[AB]|97\d)$/,
  bassin: /^[0-9A-Z]{2,6}$/,
  epci: /^\d{9}$/,
};

/**
 * The choice a request carries (`?departement=93&bassin=9302`): one value per name, in the expected
 * format, else a 400. An empty value means no choice. Other names are not this function's.
 */
export function readTerritoryChoice(query: Record<string, unknown>): TerritoryChoice {
  const choice: TerritoryChoice = {};
  for (const name of CHOICE_PARAMETERS) {
    if (!Object.hasOwn(query, name)) continue;
    const raw = query[name];
    if (typeof raw !== "string") {
      throw new NarrowingError(`« ${name} » ne prend qu'une valeur.`, name);
    }
    const value = raw.trim();
    if (value === "") continue;
    if (!FORMATS[name].test(value)) {
      throw new NarrowingError(`« ${value} » n'est pas un code ${LABELS[name]}.`, name);
    }
    choice[name] = value;
  }
  return choice;
}

const LABELS = { departement: "de département", bassin: "de bassin d'emploi", epci: "d'EPCI" } as const;

export function isNarrowed(choice: TerritoryChoice): boolean {
  return CHOICE_PARAMETERS.some((name) => choice[name] !== undefined);
}

/**
 * The perimeter every lock of this request is computed from: the stored one, narrowed to the choice and
 * completed with its bassins and EPCI. Throws a French 400 for a choice outside the perimeter.
 */
export function effectivePerimeter(
  perimeter: Perimeter,
  reference: TerritoryReference,
  choice: TerritoryChoice = {},
): Perimeter {
  const own = perimeter.departements ?? [];
  let departements = own;
  if (choice.departement !== undefined) {
    if (!own.includes(choice.departement)) {
      const name = findDepartement(choice.departement)?.libelle ?? choice.departement;
      throw new NarrowingError(
        `Le département ${name} n'est pas dans votre périmètre : choisissez l'un des vôtres.`,
        "departement",
      );
    }
    departements = [choice.departement];
  }

  const bassinsInside = reference.bassinsOf(departements).map((b) => b.code);
  let bassins = bassinsInside;
  if (choice.bassin !== undefined) {
    if (!bassinsInside.includes(choice.bassin)) {
      throw new NarrowingError(
        `Le bassin d'emploi ${reference.bassin(choice.bassin)?.nom ?? choice.bassin} n'est pas dans ${
          choice.departement ? "ce département" : "votre périmètre"
        }.`,
        "bassin",
      );
    }
    bassins = [choice.bassin];
  }

  let epci: readonly string[] = [];
  if (departements.length === 1) {
    const inside = reference.epcisOf(departements[0]!).map((e) => e.code);
    epci = inside;
    if (choice.epci !== undefined) {
      if (!inside.includes(choice.epci)) {
        throw new NarrowingError(
          `L'EPCI ${reference.epci(choice.epci)?.nom ?? choice.epci} n'est pas dans ce département.`,
          "epci",
        );
      }
      epci = [choice.epci];
    }
  } else if (choice.epci !== undefined) {
    throw new NarrowingError(
      "Choisissez d'abord un département : un EPCI se choisit dans un département.",
      "epci",
    );
  }

  const { bassins: _storedBassins, epci: _storedEpci, ...stored } = perimeter;
  return {
    ...stored,
    ...(perimeter.departements ? { departements: [...departements] } : {}),
    // Never `[]` (Metabase's "no filter"): an attribute without values is left out, and a lock on it denies.
    ...(bassins.length > 0 ? { bassins: [...bassins] } : {}),
    ...(epci.length > 0 ? { epci: [...epci] } : {}),
  };
}
