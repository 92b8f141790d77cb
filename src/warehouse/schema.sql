-- The warehouse behind the dashboards (read-only for the gateway), in its own Postgres schema
-- `entrepot` so it can share a database with anything else and be dropped and re-seeded in one
-- statement. Shaped like the service's marts (les-emplois-stats.md, "Realistic schema"): French
-- snake_case names without accents, a libellé next to each code, and territory columns copied onto
-- every fact row, so that a locked Metabase filter binds to the row itself, never through a join.
--
-- Tables only: keys, foreign keys and indexes are in constraints.sql, applied after the bulk load.

CREATE SCHEMA entrepot;
COMMENT ON SCHEMA entrepot IS
  'Entrepôt de Pilotage de l''inclusion (lecture seule pour la passerelle). Données synthétiques quand entrepot.metadonnees existe.';

-- One row, written last by `pilotage seed`: what generated the data, so the demo can reuse it.
CREATE TABLE entrepot.metadonnees (
  version text NOT NULL,
  graine text NOT NULL,
  echelle numeric NOT NULL,
  date_reference date NOT NULL,
  genere_le timestamptz NOT NULL,
  lignes_par_table jsonb NOT NULL
);

-- The load marker: one row per load of the warehouse, written last by whatever loaded it (`pilotage
-- seed`, or the data pipeline's final statement, docs/warehouse.md). The newest row says up to which day
-- the data goes (« Données arrêtées au … » on every page, relative periods counted back from it) and
-- names the load (the gateway's result cache keys on it: a new load serves new figures). Unlike
-- `metadonnees`, its presence says nothing about the data being synthetic.
CREATE TABLE entrepot.chargements (
  version_donnees text NOT NULL PRIMARY KEY,
  date_arret date NOT NULL,
  source text NOT NULL,
  charge_le timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Reference geography (@etalab/decoupage-administratif)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE entrepot.ref_region (
  code_region char(2) NOT NULL,
  -- The name is what a locked `région` parameter carries ("Île-de-France"), never the code.
  nom_region text NOT NULL
);

CREATE TABLE entrepot.ref_departement (
  code_departement varchar(3) NOT NULL,
  nom_departement text NOT NULL,
  -- "93 - Seine-Saint-Denis": the label a locked `département` parameter carries.
  libelle_departement text NOT NULL,
  -- NULL for 975 (Saint-Pierre-et-Miquelon), which les-emplois lists but belongs to no région.
  code_region char(2),
  nom_region text NOT NULL
);

-- Bassins d'emploi are SYNTHETIC: groupings of the communes of one arrondissement, standing in for
-- INSEE's zones d'emploi 2020 (which do not ship in the npm package). `synthetique` says so. Like real
-- ones, a bassin may straddle départements (one does): code_departement is its main one, and which
-- départements it covers is read from its communes (ref_commune).
CREATE TABLE entrepot.ref_bassin_emploi (
  code_bassin_emploi varchar(6) NOT NULL,
  nom_bassin_emploi text NOT NULL,
  code_departement varchar(3) NOT NULL,
  code_region char(2),
  synthetique boolean NOT NULL
);
COMMENT ON TABLE entrepot.ref_bassin_emploi IS
  'Bassins d''emploi synthétiques (communes regroupées par arrondissement), pas les zones d''emploi INSEE.';

CREATE TABLE entrepot.ref_epci (
  code_epci char(9) NOT NULL,
  nom_epci text NOT NULL,
  nature_epci varchar(5) NOT NULL
);

CREATE TABLE entrepot.ref_commune (
  code_commune char(5) NOT NULL,
  nom_commune text NOT NULL,
  code_postal char(5),
  code_departement varchar(3) NOT NULL,
  code_region char(2),
  code_epci char(9),
  code_bassin_emploi varchar(6) NOT NULL,
  population integer NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Actors
-- ---------------------------------------------------------------------------------------------

-- Employers: the five SIAE kinds plus EA, EATT, GEIQ, OPCS. An antenna (source USER_CREATED) shares
-- its parent's ASP convention (same id_asp) and points to it; GEIQ, EA and support-created
-- structures have no id_asp.
CREATE TABLE entrepot.structures (
  id integer NOT NULL,
  id_asp integer,
  siret char(14) NOT NULL,
  nom text NOT NULL,
  type varchar(5) NOT NULL,
  categorie_structure varchar(8) NOT NULL,
  source varchar(20) NOT NULL,
  id_structure_mere integer,
  active boolean NOT NULL,
  convergence_france boolean NOT NULL,
  code_commune char(5) NOT NULL,
  ville text NOT NULL,
  code_postal char(5),
  departement varchar(3) NOT NULL,
  libelle_departement text NOT NULL,
  code_region char(2),
  region text NOT NULL,
  code_bassin_emploi varchar(6) NOT NULL,
  bassin_emploi text NOT NULL,
  code_epci char(9),
  epci text,
  date_inscription date NOT NULL
);

-- Prescribers and orienteurs. France Travail units carry a SAFIR code and a level; a direction's
-- scope (DGFT: every département, DRFT: its région, DTFT: one or two départements) is listed in
-- departements_ft, as les-emplois hard-codes it.
CREATE TABLE entrepot.organisations (
  id integer NOT NULL,
  siret char(14) NOT NULL,
  nom text NOT NULL,
  type varchar(12) NOT NULL,
  type_complet text NOT NULL,
  habilitee boolean NOT NULL,
  habilitation text NOT NULL,
  -- A DEPT organisation with brsa = true is not a conseil départemental (a negative control).
  brsa boolean NOT NULL,
  code_safir varchar(5),
  niveau_ft varchar(6),
  departements_ft varchar(3)[],
  type_prescripteur text NOT NULL,
  code_commune char(5) NOT NULL,
  ville text NOT NULL,
  departement varchar(3) NOT NULL,
  libelle_departement text NOT NULL,
  code_region char(2),
  region text NOT NULL,
  code_bassin_emploi varchar(6) NOT NULL,
  bassin_emploi text NOT NULL,
  date_inscription date NOT NULL
);

-- State services and networks. A DDETS has a département, a DREETS a région, national ones neither.
CREATE TABLE entrepot.institutions (
  id integer NOT NULL,
  type varchar(16) NOT NULL,
  nom text NOT NULL,
  siret char(14) NOT NULL,
  departement varchar(3),
  libelle_departement text,
  code_region char(2),
  region text
);

-- Network membership is SIRET-keyed and kept by hand (a shared spreadsheet in the service): a member
-- whose SIRET matches no structure has no id_structure.
CREATE TABLE entrepot.reseaux_adherents (
  id_institution integer NOT NULL,
  nom_reseau text NOT NULL,
  siret char(14) NOT NULL,
  id_structure integer,
  date_adhesion date
);

-- Job seekers, pseudonymised (hash of a synthetic NIR).
CREATE TABLE entrepot.candidats (
  id integer NOT NULL,
  hash_nir char(64) NOT NULL,
  sexe char(1) NOT NULL,
  annee_naissance smallint NOT NULL,
  tranche_age text NOT NULL,
  departement varchar(3) NOT NULL,
  libelle_departement text NOT NULL,
  code_region char(2),
  region text NOT NULL,
  qpv boolean NOT NULL,
  zrr boolean NOT NULL,
  brsa boolean NOT NULL,
  deld boolean NOT NULL,
  travailleur_handicape boolean NOT NULL,
  date_inscription date NOT NULL,
  type_auteur_diagnostic text,
  id_org_diagnostic integer,
  id_structure_diagnostic integer,
  date_diagnostic date,
  diagnostic_valide boolean NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- IAE facts
-- ---------------------------------------------------------------------------------------------

-- One row per job application, with the structure's territory AND the prescriber's (they differ for
-- cross-border orientations). Delays are in days.
CREATE TABLE entrepot.candidatures (
  id uuid NOT NULL,
  date_candidature date NOT NULL,
  date_traitement date,
  date_embauche date,
  etat text NOT NULL,
  motif_refus text,
  origine text NOT NULL,
  origine_detaillee text NOT NULL,
  -- The sender is the employer of the very structure that receives the application.
  auto_prescription boolean NOT NULL,
  id_candidat integer NOT NULL,
  id_structure integer NOT NULL,
  id_structure_origine integer,
  type_structure varchar(5) NOT NULL,
  nom_structure text NOT NULL,
  categorie_structure varchar(8) NOT NULL,
  departement_structure varchar(3) NOT NULL,
  libelle_departement_structure text NOT NULL,
  code_region_structure char(2),
  region_structure text NOT NULL,
  bassin_emploi_structure text NOT NULL,
  id_org_prescripteur integer,
  type_org_prescripteur varchar(12),
  nom_org_prescripteur text,
  safir_org_prescripteur varchar(5),
  departement_org varchar(3),
  libelle_departement_org text,
  code_region_org char(2),
  region_org text,
  delai_prise_en_compte_jours integer,
  delai_reponse_jours integer,
  type_contrat text,
  mode_attribution_pass text,
  archivee boolean NOT NULL,
  -- The structure's bassin d'emploi and EPCI as codes (narrowing, issue 19): a bassin or an EPCI may
  -- straddle départements, so a row is always locked by its département too. No EPCI for the few
  -- communes outside every EPCI.
  code_bassin_emploi_structure varchar(6) NOT NULL,
  code_epci_structure char(9)
);

-- PASS IAE (and the older "Agrément PE", to be excluded by questions). Validity is derived:
-- date_fin >= the reference date.
CREATE TABLE entrepot.pass_iae (
  id integer NOT NULL,
  hash_numero_pass char(64) NOT NULL,
  type text NOT NULL,
  date_debut date NOT NULL,
  date_fin date NOT NULL,
  id_candidat integer NOT NULL,
  id_structure integer NOT NULL,
  id_candidature uuid,
  type_structure varchar(5) NOT NULL,
  departement_structure varchar(3) NOT NULL,
  libelle_departement_structure text NOT NULL,
  code_region_structure char(2),
  region_structure text NOT NULL,
  bassin_emploi_structure text NOT NULL,
  suspension_en_cours boolean NOT NULL,
  nb_prolongations smallint NOT NULL
);

-- Financial annexes (ASP): the ETP conventionnés. id_structure is the C1 id of the structure holding
-- the convention (never an antenna). FDI_DC annexes (fonds départemental d'insertion) are not ETP
-- and must be excluded; some annexes run over two calendar years.
CREATE TABLE entrepot.annexes_financieres (
  id_annexe_financiere integer NOT NULL,
  numero_annexe varchar(14) NOT NULL,
  numero_convention varchar(20) NOT NULL,
  id_structure_asp integer NOT NULL,
  id_structure integer NOT NULL,
  nom_structure text NOT NULL,
  mesure_dispositif_code varchar(8) NOT NULL,
  type_structure varchar(5) NOT NULL,
  etat varchar(10) NOT NULL,
  date_debut_effet date NOT NULL,
  date_fin_effet date NOT NULL,
  -- Monthly ETP conventioned.
  etp_postes_insertion numeric(8, 2) NOT NULL,
  montant_unitaire_annuel numeric(10, 2) NOT NULL,
  montant_total_annuel numeric(12, 2) NOT NULL,
  montant_cofinance_cd numeric(12, 2) NOT NULL,
  -- Annual hours of one full-time post: the denominator of ETP réalisés.
  heures_annuelles_etp numeric(6, 1) NOT NULL,
  departement_af varchar(3) NOT NULL,
  libelle_departement_af text NOT NULL,
  code_region_af char(2),
  region_af text NOT NULL,
  -- The bassin d'emploi of the structure holding the annex.
  code_bassin_emploi_af varchar(6) NOT NULL
);

-- Monthly individual statements (ASP): hours worked per employee and month, the ETP réalisés
-- (annual ETP = hours / heures_annuelles_etp of the annex).
CREATE TABLE entrepot.etats_mensuels_individuels (
  id_emi bigint NOT NULL,
  id_annexe_financiere integer NOT NULL,
  id_structure_asp integer NOT NULL,
  id_structure integer NOT NULL,
  type_structure varchar(5) NOT NULL,
  id_salarie integer NOT NULL,
  id_candidat integer,
  sexe_salarie char(1) NOT NULL,
  annee smallint NOT NULL,
  mois smallint NOT NULL,
  nb_heures_travaillees numeric(7, 2) NOT NULL,
  etat_code varchar(10) NOT NULL,
  salarie_brsa boolean NOT NULL,
  departement_af varchar(3) NOT NULL,
  libelle_departement_af text NOT NULL,
  code_region_af char(2),
  region_af text NOT NULL,
  code_bassin_emploi_af varchar(6) NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- ESAT (medico-social, outside IAE) and the answers to the yearly ESAT survey
-- ---------------------------------------------------------------------------------------------

CREATE TABLE entrepot.esat (
  finess_num char(9) NOT NULL,
  finess_gestionnaire char(9) NOT NULL,
  siret char(14) NOT NULL,
  nom text NOT NULL,
  statut_juridique text NOT NULL,
  type_esat text NOT NULL,
  capacite_autorisee integer NOT NULL,
  code_commune char(5) NOT NULL,
  ville text NOT NULL,
  departement varchar(3) NOT NULL,
  libelle_departement text NOT NULL,
  code_region char(2),
  region text NOT NULL
);

CREATE TABLE entrepot.esat_reponses (
  id_reponse uuid NOT NULL,
  finess_num char(9) NOT NULL,
  millesime smallint NOT NULL,
  statut_juridique text NOT NULL,
  departement varchar(3) NOT NULL,
  libelle_departement text NOT NULL,
  code_region char(2),
  region text NOT NULL,
  nb_places_autorisees integer NOT NULL,
  nb_etp_salaries numeric(7, 2) NOT NULL,
  nb_travailleurs_accompagnes integer NOT NULL,
  nb_travailleurs_temps_partiel integer NOT NULL,
  age_moyen numeric(4, 1) NOT NULL,
  anciennete_moyenne numeric(4, 1) NOT NULL,
  nb_nouveaux_travailleurs integer NOT NULL,
  nb_souhait_milieu_ordinaire integer NOT NULL,
  nb_pmsmp integer NOT NULL,
  nb_mad_individuelle integer NOT NULL,
  nb_cumul_esat_ea integer NOT NULL,
  nb_sorties integer NOT NULL,
  nb_sorties_ea integer NOT NULL,
  nb_sorties_prive integer NOT NULL,
  nb_sorties_public integer NOT NULL,
  nb_sorties_cdi integer NOT NULL,
  nb_sorties_cdd integer NOT NULL,
  nb_retour_droit integer NOT NULL,
  nb_vae integer NOT NULL,
  nb_duoday integer NOT NULL,
  nb_cip integer NOT NULL,
  pct_opco smallint NOT NULL
);
