import { BadRequestError } from "../errors.js";
import { ALL_DEPARTEMENT_CODES, findRegion } from "../territories/territories.js";
import { parseRecordId } from "./grant-input.js";
import type { Perimeter } from "./lock-values.js";
import { PerimeterSchema } from "./perimeter-schema.js";

/** A perimeter as typed by staff (CLI flags or the admin forms): lists are comma- or space-separated. */
export interface PerimeterInput {
  departements?: string | undefined;
  region?: string | undefined;
  national?: boolean | undefined;
  structures?: string | undefined;
  reseau?: string | undefined;
  organisation?: string | undefined;
}

/** A perimeter the admin forms can show next to the field it comes from (the CLI sees a BadRequestError). */
export class PerimeterInputError extends BadRequestError {
  constructor(
    message: string,
    readonly field: "departements" | "region" | "structures" | "reseau" | "organisation",
  ) {
    super(message);
  }
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,;]+/)
    .map((v) => v.trim().toUpperCase())
    .filter(Boolean);
}

function ids(
  value: string | undefined,
  label: string,
  field: "structures" | "reseau" | "organisation",
): number[] {
  return list(value).map((v) => {
    const n = parseRecordId(v);
    if (n === null) throw new PerimeterInputError(`${label} : « ${v} » n'est pas un identifiant.`, field);
    return n;
  });
}

/** Builds and checks a perimeter; every problem is a French BadRequestError saying what to fix. */
export function perimeterFromInput(input: PerimeterInput): Perimeter {
  const perimeter: { -readonly [K in keyof Perimeter]: Perimeter[K] } = {};
  const departements = list(input.departements);
  if (input.national && departements.length > 0) {
    throw new PerimeterInputError(
      "« France entière » et une liste de départements s'excluent : choisissez l'un des deux.",
      "departements",
    );
  }
  if (input.national) perimeter.departements = [...ALL_DEPARTEMENT_CODES];
  if (input.region) {
    const region = findRegion(input.region.trim());
    if (!region)
      throw new PerimeterInputError(
        `Région : « ${input.region} » n'est pas un code de région INSEE (ex. 11).`,
        "region",
      );
    perimeter.departements = departements.length > 0 ? departements : [...region.departements];
    perimeter.region = region.code;
  } else if (departements.length > 0) {
    perimeter.departements = departements;
  }
  const structures = ids(input.structures, "Structures", "structures");
  if (structures.length > 0) perimeter.structures = structures;
  const reseau = ids(input.reseau, "Réseau", "reseau")[0];
  if (reseau !== undefined) perimeter.reseau = reseau;
  const organisation = ids(input.organisation, "Organisation", "organisation")[0];
  if (organisation !== undefined) perimeter.organisation = organisation;
  if (Object.keys(perimeter).length === 0) {
    throw new PerimeterInputError(
      "Précisez le périmètre : départements, région, France entière, structures, réseau ou organisation.",
      "departements",
    );
  }
  const checked = PerimeterSchema.safeParse(perimeter);
  if (!checked.success) {
    const first = checked.error.issues[0]?.path[0];
    throw new PerimeterInputError(
      `Périmètre invalide : ${checked.error.issues.map((i) => i.message).join(" ; ")}.`,
      first === "region" ? "region" : "departements",
    );
  }
  return checked.data;
}
