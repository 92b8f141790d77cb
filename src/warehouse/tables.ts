/**
 * The warehouse's tables as the code sees them: their columns in load order, and which columns carry
 * each attribute of a perimeter. That map is what the leak check of `pilotage test` builds its
 * filtered copies from, generically: a row of a table belongs to a perimeter when, for every attribute
 * the perimeter fills and the table declares, one of the declared columns holds one of its values.
 */

/** The Postgres schema of the warehouse (schema.sql). Questions name their tables `entrepot.<table>`. */
export const WAREHOUSE_SCHEMA = "entrepot";

/** The perimeter attributes a locked parameter can bind to (fixed names, shared with metabase-config/). */
export type PerimeterAttribute =
  | "departements"
  | "departement_labels"
  | "region"
  | "bassins"
  | "epci"
  | "structures"
  | "reseau"
  | "organisation";

export type PerimeterColumns = Readonly<Partial<Record<PerimeterAttribute, readonly string[]>>>;

export interface WarehouseTable {
  name: string;
  columns: readonly string[];
  perimeter: PerimeterColumns;
}

/** Territory columns of a fact row, under their three names (code, "93 - Seine-Saint-Denis", région name). */
function territory(code: string, label: string, region: string): PerimeterColumns {
  return { departements: [code], departement_labels: [label], region: [region] };
}

/**
 * Load order: a table comes after those it refers to. `candidats` declares no perimeter column on
 * purpose: a person is seen through their applications, and where they live says nothing about who may
 * see them (filtering candidates by residence would drop the people a structure hired from elsewhere).
 */
export const WAREHOUSE_TABLES: readonly WarehouseTable[] = [
  {
    name: "ref_region",
    columns: ["code_region", "nom_region"],
    perimeter: { region: ["nom_region"] },
  },
  {
    name: "ref_departement",
    columns: ["code_departement", "nom_departement", "libelle_departement", "code_region", "nom_region"],
    perimeter: territory("code_departement", "libelle_departement", "nom_region"),
  },
  {
    name: "ref_bassin_emploi",
    columns: ["code_bassin_emploi", "nom_bassin_emploi", "code_departement", "code_region", "synthetique"],
    perimeter: { departements: ["code_departement"], bassins: ["code_bassin_emploi"] },
  },
  {
    name: "ref_epci",
    columns: ["code_epci", "nom_epci", "nature_epci"],
    perimeter: { epci: ["code_epci"] },
  },
  {
    name: "ref_commune",
    columns: [
      "code_commune",
      "nom_commune",
      "code_postal",
      "code_departement",
      "code_region",
      "code_epci",
      "code_bassin_emploi",
      "population",
    ],
    perimeter: { departements: ["code_departement"], bassins: ["code_bassin_emploi"], epci: ["code_epci"] },
  },
  {
    name: "structures",
    columns: [
      "id",
      "id_asp",
      "siret",
      "nom",
      "type",
      "categorie_structure",
      "source",
      "id_structure_mere",
      "active",
      "convergence_france",
      "code_commune",
      "ville",
      "code_postal",
      "departement",
      "libelle_departement",
      "code_region",
      "region",
      "code_bassin_emploi",
      "bassin_emploi",
      "code_epci",
      "epci",
      "date_inscription",
    ],
    perimeter: {
      ...territory("departement", "libelle_departement", "region"),
      bassins: ["code_bassin_emploi"],
      epci: ["code_epci"],
      structures: ["id"],
    },
  },
  {
    name: "organisations",
    columns: [
      "id",
      "siret",
      "nom",
      "type",
      "type_complet",
      "habilitee",
      "habilitation",
      "brsa",
      "code_safir",
      "niveau_ft",
      "departements_ft",
      "type_prescripteur",
      "code_commune",
      "ville",
      "departement",
      "libelle_departement",
      "code_region",
      "region",
      "code_bassin_emploi",
      "bassin_emploi",
      "date_inscription",
    ],
    perimeter: { ...territory("departement", "libelle_departement", "region"), organisation: ["id"] },
  },
  {
    name: "institutions",
    columns: ["id", "type", "nom", "siret", "departement", "libelle_departement", "code_region", "region"],
    perimeter: { ...territory("departement", "libelle_departement", "region"), reseau: ["id"] },
  },
  {
    name: "reseaux_adherents",
    columns: ["id_institution", "nom_reseau", "siret", "id_structure", "date_adhesion"],
    perimeter: { reseau: ["id_institution"], structures: ["id_structure"] },
  },
  {
    name: "candidats",
    columns: [
      "id",
      "hash_nir",
      "sexe",
      "annee_naissance",
      "tranche_age",
      "departement",
      "libelle_departement",
      "code_region",
      "region",
      "qpv",
      "zrr",
      "brsa",
      "deld",
      "travailleur_handicape",
      "date_inscription",
      "type_auteur_diagnostic",
      "id_org_diagnostic",
      "id_structure_diagnostic",
      "date_diagnostic",
      "diagnostic_valide",
    ],
    perimeter: {},
  },
  {
    name: "candidatures",
    columns: [
      "id",
      "date_candidature",
      "date_traitement",
      "date_embauche",
      "etat",
      "motif_refus",
      "origine",
      "origine_detaillee",
      "auto_prescription",
      "id_candidat",
      "id_structure",
      "id_structure_origine",
      "type_structure",
      "nom_structure",
      "categorie_structure",
      "departement_structure",
      "libelle_departement_structure",
      "code_region_structure",
      "region_structure",
      "bassin_emploi_structure",
      "id_org_prescripteur",
      "type_org_prescripteur",
      "nom_org_prescripteur",
      "safir_org_prescripteur",
      "departement_org",
      "libelle_departement_org",
      "code_region_org",
      "region_org",
      "delai_prise_en_compte_jours",
      "delai_reponse_jours",
      "type_contrat",
      "mode_attribution_pass",
      "archivee",
      "code_bassin_emploi_structure",
      "code_epci_structure",
    ],
    // Seen from the receiving structure's territory and from the prescriber's: a cross-border
    // orientation belongs to both.
    perimeter: {
      bassins: ["code_bassin_emploi_structure"],
      epci: ["code_epci_structure"],
      departements: ["departement_structure", "departement_org"],
      departement_labels: ["libelle_departement_structure", "libelle_departement_org"],
      region: ["region_structure", "region_org"],
      structures: ["id_structure"],
      organisation: ["id_org_prescripteur"],
    },
  },
  {
    name: "pass_iae",
    columns: [
      "id",
      "hash_numero_pass",
      "type",
      "date_debut",
      "date_fin",
      "id_candidat",
      "id_structure",
      "id_candidature",
      "type_structure",
      "departement_structure",
      "libelle_departement_structure",
      "code_region_structure",
      "region_structure",
      "bassin_emploi_structure",
      "suspension_en_cours",
      "nb_prolongations",
    ],
    perimeter: {
      ...territory("departement_structure", "libelle_departement_structure", "region_structure"),
      structures: ["id_structure"],
    },
  },
  {
    name: "annexes_financieres",
    columns: [
      "id_annexe_financiere",
      "numero_annexe",
      "numero_convention",
      "id_structure_asp",
      "id_structure",
      "nom_structure",
      "mesure_dispositif_code",
      "type_structure",
      "etat",
      "date_debut_effet",
      "date_fin_effet",
      "etp_postes_insertion",
      "montant_unitaire_annuel",
      "montant_total_annuel",
      "montant_cofinance_cd",
      "heures_annuelles_etp",
      "departement_af",
      "libelle_departement_af",
      "code_region_af",
      "region_af",
      "code_bassin_emploi_af",
    ],
    perimeter: {
      bassins: ["code_bassin_emploi_af"],
      ...territory("departement_af", "libelle_departement_af", "region_af"),
      structures: ["id_structure"],
    },
  },
  {
    name: "etats_mensuels_individuels",
    columns: [
      "id_emi",
      "id_annexe_financiere",
      "id_structure_asp",
      "id_structure",
      "type_structure",
      "id_salarie",
      "id_candidat",
      "sexe_salarie",
      "annee",
      "mois",
      "nb_heures_travaillees",
      "etat_code",
      "salarie_brsa",
      "departement_af",
      "libelle_departement_af",
      "code_region_af",
      "region_af",
      "code_bassin_emploi_af",
    ],
    perimeter: {
      bassins: ["code_bassin_emploi_af"],
      ...territory("departement_af", "libelle_departement_af", "region_af"),
      structures: ["id_structure"],
    },
  },
  {
    name: "esat",
    columns: [
      "finess_num",
      "finess_gestionnaire",
      "siret",
      "nom",
      "statut_juridique",
      "type_esat",
      "capacite_autorisee",
      "code_commune",
      "ville",
      "departement",
      "libelle_departement",
      "code_region",
      "region",
    ],
    perimeter: territory("departement", "libelle_departement", "region"),
  },
  {
    name: "esat_reponses",
    columns: [
      "id_reponse",
      "finess_num",
      "millesime",
      "statut_juridique",
      "departement",
      "libelle_departement",
      "code_region",
      "region",
      "nb_places_autorisees",
      "nb_etp_salaries",
      "nb_travailleurs_accompagnes",
      "nb_travailleurs_temps_partiel",
      "age_moyen",
      "anciennete_moyenne",
      "nb_nouveaux_travailleurs",
      "nb_souhait_milieu_ordinaire",
      "nb_pmsmp",
      "nb_mad_individuelle",
      "nb_cumul_esat_ea",
      "nb_sorties",
      "nb_sorties_ea",
      "nb_sorties_prive",
      "nb_sorties_public",
      "nb_sorties_cdi",
      "nb_sorties_cdd",
      "nb_retour_droit",
      "nb_vae",
      "nb_duoday",
      "nb_cip",
      "pct_opco",
    ],
    perimeter: territory("departement", "libelle_departement", "region"),
  },
];

export type WarehouseTableName = (typeof WAREHOUSE_TABLES)[number]["name"];

export function warehouseTable(name: string): WarehouseTable {
  const table = WAREHOUSE_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown warehouse table ${name}`);
  return table;
}

/**
 * The schema of les emplois' members (annuaire.sql): personal data (e-mail addresses), read by the gateway
 * to place people and never granted to Metabase's reader (docs/warehouse.md, "Who may read what").
 */
export const ANNUAIRE_SCHEMA = "annuaire";

/**
 * One row per membership: a person (by e-mail) in a structure, a prescriber organisation or an
 * institution, as les emplois attaches them. No perimeter column: nobody reads it through a dashboard.
 */
export const MEMBERS_TABLE: WarehouseTable = {
  name: "membres",
  columns: ["email", "id_structure", "id_organisation", "id_institution", "role", "depuis"],
  perimeter: {},
};
