import type { Queryable } from "../storage/database.js";

/**
 * The awkward cases of the service's data that every synthetic warehouse must hold
 * (les-emplois-stats.md, "Synthetic-data tips"), each as a query counting its rows: a seed without
 * one of them would let a question that mishandles it pass its tests.
 */
export interface TrickyCase {
  key: string;
  description: string;
  /** Returns one row with an integer column `n`: how many rows show the case (at least `atLeast`). */
  sql: string;
  atLeast: number;
}

export const TRICKY_CASES: readonly TrickyCase[] = [
  {
    key: "all-departements",
    description:
      "des structures dans chacun des 101 départements, Corse (2A, 2B) et DROM (971 à 976) compris",
    sql: `SELECT count(DISTINCT departement)::int AS n FROM entrepot.structures
          WHERE departement IN (SELECT code_departement FROM entrepot.ref_departement WHERE code_region IS NOT NULL)`,
    atLeast: 101,
  },
  {
    key: "saint-pierre-et-miquelon",
    description: "des structures à Saint-Pierre-et-Miquelon (975), hors de toute région",
    sql: "SELECT count(*)::int AS n FROM entrepot.structures WHERE departement = '975' AND code_region IS NULL",
    atLeast: 1,
  },
  {
    key: "dgft",
    description: "la direction générale de France Travail (SAFIR 00162), qui couvre tous les départements",
    sql: `SELECT count(*)::int AS n FROM entrepot.organisations
          WHERE code_safir = '00162' AND niveau_ft = 'DGFT' AND cardinality(departements_ft) = 101`,
    atLeast: 1,
  },
  {
    key: "drft-idf",
    description:
      "la direction régionale France Travail d'Île-de-France (SAFIR 75980), sur ses 8 départements",
    sql: `SELECT count(*)::int AS n FROM entrepot.organisations
          WHERE code_safir = '75980' AND niveau_ft = 'DRFT'
            AND departements_ft @> ARRAY['75','77','78','91','92','93','94','95']::varchar[]
            AND cardinality(departements_ft) = 8`,
    atLeast: 1,
  },
  {
    key: "dtft-multi-departement",
    description: "une direction territoriale France Travail sur deux départements (SAFIR 72203 : 72 et 53)",
    sql: `SELECT count(*)::int AS n FROM entrepot.organisations
          WHERE code_safir = '72203' AND niveau_ft = 'DTFT' AND departements_ft = ARRAY['72','53']::varchar[]`,
    atLeast: 1,
  },
  {
    key: "dept-brsa",
    description: "des organisations DEPT marquées bRSA, qui ne sont pas des conseils départementaux",
    sql: "SELECT count(*)::int AS n FROM entrepot.organisations WHERE type = 'DEPT' AND brsa",
    atLeast: 2,
  },
  {
    key: "eiti",
    description: "des EITI (exclues du tableau de bord des bénéficiaires)",
    sql: "SELECT count(*)::int AS n FROM entrepot.structures WHERE type = 'EITI'",
    atLeast: 1,
  },
  {
    key: "siae-sans-id-asp",
    description: "des SIAE sans convention ASP (id_asp vide : pas de statistiques SIAE)",
    sql: "SELECT count(*)::int AS n FROM entrepot.structures WHERE categorie_structure = 'IAE' AND id_asp IS NULL",
    atLeast: 1,
  },
  {
    key: "antennes",
    description: "des antennes qui partagent la convention (id_asp) de leur structure mère",
    sql: `SELECT count(*)::int AS n FROM entrepot.structures a
          JOIN entrepot.structures m ON m.id = a.id_structure_mere
          WHERE a.id_asp = m.id_asp AND a.source = 'USER_CREATED'`,
    atLeast: 1,
  },
  {
    key: "candidatures-transfrontalieres",
    description: "des candidatures dont le prescripteur est dans un autre département que la structure",
    sql: `SELECT count(*)::int AS n FROM entrepot.candidatures
          WHERE departement_org IS NOT NULL AND departement_org <> departement_structure`,
    atLeast: 1,
  },
  {
    key: "auto-prescriptions",
    description: "des auto-prescriptions (l'employeur oriente vers sa propre structure)",
    sql: `SELECT count(*)::int AS n FROM entrepot.candidatures
          WHERE auto_prescription AND id_structure_origine = id_structure AND origine = 'Employeur'`,
    atLeast: 1,
  },
  {
    key: "af-sur-deux-annees",
    description: "des annexes financières à cheval sur deux années civiles",
    sql: `SELECT count(*)::int AS n FROM entrepot.annexes_financieres
          WHERE extract(year FROM date_debut_effet) <> extract(year FROM date_fin_effet)`,
    atLeast: 1,
  },
  {
    key: "af-fdi",
    description: "des annexes FDI (fonds départemental d'insertion), à exclure des ETP",
    sql: "SELECT count(*)::int AS n FROM entrepot.annexes_financieres WHERE mesure_dispositif_code = 'FDI_DC'",
    atLeast: 1,
  },
  {
    key: "pass-expires",
    description: "des PASS IAE dont la date de fin est passée",
    sql: `SELECT count(*)::int AS n FROM entrepot.pass_iae p, entrepot.metadonnees m
          WHERE p.type = 'PASS IAE' AND p.date_fin < m.date_reference`,
    atLeast: 1,
  },
  {
    key: "agrements-pe",
    description: "d'anciens agréments Pôle emploi, à exclure des PASS IAE",
    sql: "SELECT count(*)::int AS n FROM entrepot.pass_iae WHERE type = 'Agrément PE'",
    atLeast: 1,
  },
  {
    key: "reseau-adherent-inconnu",
    description: "des adhérents de réseau connus par un SIRET qu'aucune structure ne porte",
    sql: "SELECT count(*)::int AS n FROM entrepot.reseaux_adherents WHERE id_structure IS NULL",
    atLeast: 1,
  },
  {
    key: "structure-deux-reseaux",
    description: "des structures adhérentes de deux réseaux",
    sql: `SELECT count(*)::int AS n FROM (SELECT id_structure FROM entrepot.reseaux_adherents
          WHERE id_structure IS NOT NULL GROUP BY id_structure HAVING count(*) > 1) twice`,
    atLeast: 1,
  },
  {
    key: "candidatures-sans-prescripteur",
    description: "des candidatures sans organisation prescriptrice (territoire du prescripteur vide)",
    sql: "SELECT count(*)::int AS n FROM entrepot.candidatures WHERE id_org_prescripteur IS NULL AND departement_org IS NULL",
    atLeast: 1,
  },
];

export interface TrickyCaseResult {
  key: string;
  description: string;
  rows: number;
  present: boolean;
}

export async function checkTrickyCases(db: Queryable): Promise<TrickyCaseResult[]> {
  const results: TrickyCaseResult[] = [];
  for (const c of TRICKY_CASES) {
    const { rows } = await db.query<{ n: number }>(c.sql);
    const n = rows[0]?.n ?? 0;
    results.push({ key: c.key, description: c.description, rows: n, present: n >= c.atLeast });
  }
  return results;
}
