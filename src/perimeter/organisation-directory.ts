import { z } from "zod";
import { sirenOf } from "../siret.js";
import type { Queryable } from "../storage/database.js";
import type { OrganisationMatch } from "./organisation-placement.js";
import type { Memberships } from "./placement.js";

/**
 * Finds, in the warehouse's reference tables, the organisations ProConnect's claims point to: by SIRET
 * (institutions, prescriber organisations, structures — an employer being every active structure of the
 * same SIREN) and by France Travail SAFIR code; and the person's memberships in les emplois, by e-mail
 * (`annuaire.membres`, the second signal). Staff previews look organisations up by id.
 */
export interface OrganisationDirectory {
  find(claims: {
    siret?: string | undefined;
    safir?: string | undefined;
    email?: string | undefined;
  }): Promise<{ matches: OrganisationMatch[]; memberships: Memberships }>;
  /** An institution (State service, network) by warehouse id. */
  institution(id: number): Promise<Extract<OrganisationMatch, { source: "institution" }> | null>;
  /** A prescriber organisation by warehouse id. */
  organisation(id: number): Promise<Extract<OrganisationMatch, { source: "organisation" }> | null>;
  /** The employer running an active structure (by structure id): every active structure of its SIREN. */
  employerOfStructure(id: number): Promise<Extract<OrganisationMatch, { source: "employeur" }> | null>;
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

const MembershipRow = z.object({
  id_structure: z.coerce.number().nullable(),
  id_organisation: z.coerce.number().nullable(),
  id_institution: z.coerce.number().nullable(),
});

function institutionMatch(row: unknown): Extract<OrganisationMatch, { source: "institution" }> {
  const r = InstitutionRow.parse(row);
  return {
    source: "institution",
    id: r.id,
    type: r.type,
    nom: r.nom,
    departement: r.departement,
    codeRegion: r.code_region,
    members: r.members ?? [],
  };
}

function organisationMatch(row: unknown): Extract<OrganisationMatch, { source: "organisation" }> {
  const r = OrganisationRow.parse(row);
  return {
    source: "organisation",
    id: r.id,
    type: r.type,
    nom: r.nom,
    departement: r.departement,
    habilitee: r.habilitee,
    brsa: r.brsa,
    codeSafir: r.code_safir,
    niveauFt: r.niveau_ft,
    departementsCouverts: r.departements_ft ?? [],
    matchedBy: r.matched_by,
  };
}

export function warehouseDirectory(
  warehouse: Queryable,
  schemas: { warehouse: string; members: string } = { warehouse: "entrepot", members: "annuaire" },
): OrganisationDirectory {
  const schema = schemas.warehouse;
  const institutionSql = (where: string) =>
    `SELECT i.id, i.type, i.nom, i.departement, i.code_region,
            (SELECT array_agg(DISTINCT a.id_structure ORDER BY a.id_structure)
               FROM ${schema}.reseaux_adherents a
               JOIN ${schema}.structures s ON s.id = a.id_structure AND s.active
              WHERE a.id_institution = i.id) AS members
       FROM ${schema}.institutions i WHERE ${where} ORDER BY i.id`;
  const organisationSql = (where: string, matchedBy: string) =>
    `SELECT id, type, nom, departement, habilitee, brsa, code_safir, niveau_ft, departements_ft,
            ${matchedBy} AS matched_by
       FROM ${schema}.organisations WHERE ${where} ORDER BY id`;

  /** The employer of a SIRET's SIREN, when `own` (one of its active structures) matches. */
  const employerOf = async (
    siren: string,
    isOwn: (s: z.infer<typeof StructureRow>) => boolean,
  ): Promise<Extract<OrganisationMatch, { source: "employeur" }> | null> => {
    const structures = (
      await warehouse.query(
        `SELECT id, nom, departement, siret FROM ${schema}.structures
          WHERE active AND left(siret, 9) = $1 ORDER BY id`,
        [siren],
      )
    ).rows.map((r) => StructureRow.parse(r));
    const own = structures.find(isOwn);
    if (!own) return null;
    return {
      source: "employeur",
      siren,
      nom: own.nom,
      structures: structures.map((s) => ({ id: s.id, departement: s.departement })),
    };
  };

  return {
    async find({ siret, safir, email }) {
      const matches: OrganisationMatch[] = [];
      if (siret) {
        const institutions = await warehouse.query(institutionSql("i.siret = $1"), [siret]);
        matches.push(...institutions.rows.map(institutionMatch));
        // The SIRET must be one of the employer's structures; the SIREN then brings in all of them.
        const employer = await employerOf(sirenOf(siret), (s) => s.siret === siret);
        if (employer) matches.push(employer);
      }
      if (siret || safir) {
        const organisations = await warehouse.query(
          organisationSql(
            "($1::text IS NOT NULL AND siret = $1) OR ($2::text IS NOT NULL AND type = 'FT' AND code_safir = $2)",
            "CASE WHEN $2::text IS NOT NULL AND type = 'FT' AND code_safir = $2 THEN 'safir' ELSE 'siret' END",
          ),
          [siret ?? null, safir ?? null],
        );
        matches.push(...organisations.rows.map(organisationMatch));
      }
      const memberships: Memberships = { structures: [], organisations: [], institutions: [] };
      // Only worth a lookup when the claims named an organisation the e-mail could confirm.
      if (email && matches.length > 0) {
        const { rows } = await warehouse.query(
          `SELECT id_structure, id_organisation, id_institution FROM ${schemas.members}.membres
            WHERE lower(email) = lower($1)`,
          [email],
        );
        const parsed = rows.map((r) => MembershipRow.parse(r));
        return {
          matches,
          memberships: {
            structures: parsed.flatMap((r) => (r.id_structure === null ? [] : [r.id_structure])),
            organisations: parsed.flatMap((r) => (r.id_organisation === null ? [] : [r.id_organisation])),
            institutions: parsed.flatMap((r) => (r.id_institution === null ? [] : [r.id_institution])),
          },
        };
      }
      return { matches, memberships };
    },

    async institution(id) {
      const { rows } = await warehouse.query(institutionSql("i.id = $1"), [id]);
      return rows[0] ? institutionMatch(rows[0]) : null;
    },

    async organisation(id) {
      const { rows } = await warehouse.query(organisationSql("id = $1", "'siret'"), [id]);
      return rows[0] ? organisationMatch(rows[0]) : null;
    },

    async employerOfStructure(id) {
      const { rows } = await warehouse.query(
        `SELECT id, nom, departement, siret FROM ${schema}.structures WHERE active AND id = $1`,
        [id],
      );
      const structure = rows[0] ? StructureRow.parse(rows[0]) : undefined;
      return structure ? employerOf(sirenOf(structure.siret), (s) => s.id === id) : null;
    },
  };
}
