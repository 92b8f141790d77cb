import { z } from "zod";
import { BadRequestError } from "../errors.js";
import { parseRecordId } from "../perimeter/grant-input.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import type { OrganisationDirectory } from "../perimeter/organisation-directory.js";
import { organisationPlacement } from "../perimeter/organisation-placement.js";
import { PROFILE_LABELS, type ProfileKind } from "../perimeter/placement.js";
import type { Queryable } from "../storage/database.js";
import {
  ALL_DEPARTEMENT_CODES,
  DEPARTEMENTS,
  findDepartement,
  findRegion,
  REGIONS,
} from "../territories/territories.js";

/**
 * The preview showroom: staff pick a real territory (from the reference territories) or a real
 * organisation, structure or network (from the warehouse), and see the product as the people placed there
 * see it — the same perimeter the placement rules give them (organisationPlacement). Nothing here comes
 * from the demo accounts.
 */

export const PREVIEW_KINDS = [
  "ddets",
  "dreets",
  "dgefp",
  "conseil_departemental",
  "france_travail",
  "prescripteur",
  "reseau_iae",
  "employeur_siae",
] as const satisfies readonly ProfileKind[];

export const PreviewForm = z.object({
  profil: z.enum(PREVIEW_KINDS, { error: "Choisissez un profil à prévisualiser." }),
  departement: z.string().trim().optional(),
  region: z.string().trim().optional(),
  reseau: z.string().trim().optional(),
  safir: z.string().trim().optional(),
  organisation: z.string().trim().optional(),
  structure: z.string().trim().optional(),
});
export type PreviewChoice = z.infer<typeof PreviewForm>;

export interface PreviewProfile {
  kind: ProfileKind;
  label: string;
  perimeter: Perimeter;
}

const NetworkRow = z.object({ id: z.coerce.number(), nom: z.string() });
const IdRow = z.object({ id: z.coerce.number() });

/** What the preview form offers: territories, and the networks of the warehouse. */
export async function previewOptions(warehouse: Queryable) {
  const networks = (
    await warehouse.query(
      "SELECT id, nom FROM entrepot.institutions WHERE type = 'Réseau IAE' ORDER BY nom, id",
    )
  ).rows.map((r) => NetworkRow.parse(r));
  return { departements: DEPARTEMENTS, regions: REGIONS, networks };
}

function required(value: string | undefined, message: string): string {
  if (!value) throw new BadRequestError(message);
  return value;
}

function idOf(value: string | undefined, what: string): number {
  const text = required(value, `Indiquez ${what}.`);
  const id = parseRecordId(text);
  if (id === null)
    throw new BadRequestError(`« ${text.slice(0, 40)} » n'est pas un numéro : indiquez ${what}.`);
  return id;
}

/** The profile to preview for the staff's choice, or a French 400 saying what is missing or unknown. */
export async function previewProfile(
  choice: PreviewChoice,
  deps: { warehouse: Queryable; directory: OrganisationDirectory },
): Promise<PreviewProfile> {
  const label = (what: string) => `${PROFILE_LABELS[choice.profil]} — ${what}`;
  const asPlaced = (match: Parameters<typeof organisationPlacement>[0] | null, what: string) => {
    const placement = match ? organisationPlacement(match) : null;
    if (!placement) throw new BadRequestError(`${what} n'ouvre aucun tableau de bord privé.`);
    if (placement.kind !== choice.profil) {
      throw new BadRequestError(
        `${what} donne un profil ${PROFILE_LABELS[placement.kind]}, pas ${PROFILE_LABELS[choice.profil]}.`,
      );
    }
    return {
      kind: placement.kind,
      label: label(placement.organisationLabel),
      perimeter: placement.perimeter,
    };
  };

  switch (choice.profil) {
    case "ddets": {
      const departement = findDepartement(required(choice.departement, "Choisissez un département."));
      if (!departement) throw new BadRequestError("Département inconnu.");
      return {
        kind: "ddets",
        label: label(departement.libelle),
        perimeter: { departements: [departement.code], region: departement.codeRegion },
      };
    }
    case "dreets": {
      const region = findRegion(required(choice.region, "Choisissez une région."));
      if (!region) throw new BadRequestError("Région inconnue.");
      return {
        kind: "dreets",
        label: label(region.nom),
        perimeter: { departements: [...region.departements], region: region.code },
      };
    }
    case "dgefp":
      return {
        kind: "dgefp",
        label: label("France entière"),
        perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
      };
    case "conseil_departemental": {
      const departement = findDepartement(required(choice.departement, "Choisissez un département."));
      if (!departement) throw new BadRequestError("Département inconnu.");
      const row = (
        await deps.warehouse.query(
          `SELECT id FROM entrepot.organisations
            WHERE type = 'DEPT' AND habilitee AND NOT brsa AND departement = $1 ORDER BY id LIMIT 1`,
          [departement.code],
        )
      ).rows.map((r) => IdRow.parse(r))[0];
      if (!row)
        throw new BadRequestError(`Aucun conseil départemental n'est connu pour ${departement.libelle}.`);
      return asPlaced(
        await deps.directory.organisation(row.id),
        `Le conseil départemental (${departement.libelle})`,
      );
    }
    case "france_travail": {
      const safir = required(choice.safir, "Indiquez le code SAFIR de l'agence ou de la direction.");
      if (!/^\d{5}$/.test(safir)) throw new BadRequestError("Un code SAFIR a cinq chiffres.");
      const { matches } = await deps.directory.find({ safir });
      const match = matches.find((m) => m.source === "organisation" && m.type === "FT") ?? null;
      if (!match) throw new BadRequestError(`Aucune unité France Travail n'a le code SAFIR ${safir}.`);
      return asPlaced(match, `Le code SAFIR ${safir}`);
    }
    case "prescripteur": {
      const id = idOf(choice.organisation, "le numéro de l'organisation prescriptrice");
      const match = await deps.directory.organisation(id);
      if (!match) throw new BadRequestError(`Aucune organisation n'a le numéro ${id}.`);
      return asPlaced(match, `L'organisation n° ${id}`);
    }
    case "reseau_iae": {
      const id = idOf(choice.reseau, "le réseau");
      const match = await deps.directory.institution(id);
      if (!match) throw new BadRequestError(`Aucun réseau n'a le numéro ${id}.`);
      return asPlaced(match, `Le réseau n° ${id}`);
    }
    case "employeur_siae": {
      const id = idOf(choice.structure, "le numéro d'une structure de l'employeur");
      const match = await deps.directory.employerOfStructure(id);
      if (!match) throw new BadRequestError(`Aucune structure active n'a le numéro ${id}.`);
      return asPlaced(match, `La structure n° ${id}`);
    }
  }
}
