import { z } from "zod";
import { sirenOf } from "../siret.js";
import type { Queryable } from "../storage/database.js";
import type { OrganisationMatch } from "./placement.js";

/**
 * Finds, in the warehouse's reference tables, the organisations ProConnect's claims point to: by SIRET
 * (institutions, prescriber organisations, structures — an employer being every active structure of the
 * same SIREN) and by France Travail SAFIR code.
 */
export interface OrganisationDirectory {
  find(claims: { siret?: string | undefined; safir?: string | undefined }): Promise<OrganisationMatch[]>;
}

const InstitutionRow = z.object({
  id: z.coerce.number(),
  type: z.string(),
  nom: z.string(),
  departement: z.string().nullable(),
  code_region: z.string().nullable(),
  members: z.array(z.coerce.number()).nullable(),
});

const OrganisationRow = z.object({
  id: z.coerce.number(),
  type: z.string(),
  nom: z.string(),
  departement: z.string().nullable(),
  habilitee: z.boolean(),
  brsa: z.boolean(),
  code_safir: z.string().nullable(),
  niveau_ft: z.string().nullable(),
  departements_ft: z.array(z.string()).nullable(),
  matched_by: z.enum(["siret", "safir"]),
});

const StructureRow = z.object({
  id: z.coerce.number(),
  nom: z.string(),
  departement: z.string(),
  siret: z.string(),
});

export function warehouseDirectory(warehouse: Queryable, schema = "entrepot"): OrganisationDirectory {
  return {
    async find({ siret, safir }) {
      const matches: OrganisationMatch[] = [];
      if (siret) {
        const institutions = await warehouse.query(
          `SELECT i.id, i.type, i.nom, i.departement, i.code_region,
                  (SELECT array_agg(DISTINCT a.id_structure ORDER BY a.id_structure)
                     FROM ${schema}.reseaux_adherents a
                     JOIN ${schema}.structures s ON s.id = a.id_structure AND s.active
                    WHERE a.id_institution = i.id) AS members
             FROM ${schema}.institutions i WHERE i.siret = $1 ORDER BY i.id`,
          [siret],
        );
        for (const row of institutions.rows.map((r) => InstitutionRow.parse(r))) {
          matches.push({
            source: "institution",
            id: row.id,
            type: row.type,
            nom: row.nom,
            departement: row.departement,
            codeRegion: row.code_region,
            members: row.members ?? [],
          });
        }
        const structures = (
          await warehouse.query(
            `SELECT id, nom, departement, siret FROM ${schema}.structures
              WHERE active AND left(siret, 9) = $1 ORDER BY id`,
            [sirenOf(siret)],
          )
        ).rows.map((r) => StructureRow.parse(r));
        // The SIRET must be one of the employer's structures; the SIREN then brings in all of them.
        const own = structures.find((s) => s.siret === siret);
        if (own) {
          matches.push({
            source: "employeur",
            siren: sirenOf(siret),
            nom: own.nom,
            structures: structures.map((s) => ({ id: s.id, departement: s.departement })),
          });
        }
      }
      if (siret || safir) {
        const organisations = await warehouse.query(
          `SELECT id, type, nom, departement, habilitee, brsa, code_safir, niveau_ft, departements_ft,
                  CASE WHEN $2::text IS NOT NULL AND type = 'FT' AND code_safir = $2 THEN 'safir' ELSE 'siret' END AS matched_by
             FROM ${schema}.organisations
            WHERE ($1::text IS NOT NULL AND siret = $1) OR ($2::text IS NOT NULL AND type = 'FT' AND code_safir = $2)
            ORDER BY id`,
          [siret ?? null, safir ?? null],
        );
        for (const row of organisations.rows.map((r) => OrganisationRow.parse(r))) {
          matches.push({
            source: "organisation",
            id: row.id,
            type: row.type,
            nom: row.nom,
            departement: row.departement,
            habilitee: row.habilitee,
            brsa: row.brsa,
            codeSafir: row.code_safir,
            niveauFt: row.niveau_ft,
            departementsCouverts: row.departements_ft ?? [],
            matchedBy: row.matched_by,
          });
        }
      }
      return matches;
    },
  };
}
