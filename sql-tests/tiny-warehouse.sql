-- A tiny hand-made warehouse for `pilotage test`: few enough rows to compute the key indicators on
-- paper (sql-tests/expectations.yaml). Loaded into an empty `entrepot` schema (src/warehouse/schema.sql)
-- inside a transaction that is rolled back; only the columns the questions read, plus NOT NULL ones.

-- Candidatures. Département 93: an ACI (501) and an EI (502), a GEIQ (503, outside IAE); département 75:
-- an ACI (601).
--   ACI 501 (93): 4 received, 1 accepted, 2 refused, 1 new            → acceptance 1/4 = 25.0 %
--   EI 502 (93): 2 received, 2 accepted                                → acceptance 2/2 = 100.0 %
--   GEIQ 503 (93): 1 accepted, not an SIAE                             → not counted
--   ACI 601 (75): 3 received, 3 accepted, one of them from a 93 prescriber → other département
-- Bassins d'emploi: 9301 in the 93, 7501 in Paris; every structure is in the Métropole du Grand Paris
-- (EPCI 200054781), which straddles both départements.
-- Candidates (below) and delays, for the notes (notes/*.md), all in 2025:
--   93 IAE: 6 received (1–6), women 1 and 5 → 2/6 = 33.3 %; 3 hired (1, 5, 6), women 1 and 5 → 2/3 =
--     66.7 %; gap 66.67 − 33.33 = 33.3 points. ACI: 1/4 = 25.0 %, hired 1/1 = 100.0 %. EI: 1/2 = 50.0 %,
--     hired 1/2 = 50.0 %. The GEIQ's candidate (7, a woman) is not in IAE.
--   Response delays (days) of 93 IAE: 12, 40, 5, none (4, still new), 14, 70 → 5 of 6 answered = 83.3 %;
--     median of 5, 12, 14, 40, 70 = 14; within 30 days 3/5 = 60.0 %; by band: ≤ 7: 1 (20.0 %), 8–15: 2
--     (40.0 %), 31–60: 1 (20.0 %), > 60: 1 (20.0 %).
--   By type (all structures): ACI answered 3, median pick-up of 2, 3, 1 = 2, median response of 12, 40, 5
--     = 12, within 30 days 2/3 = 66.7 %; EI answered 2, pick-up median of 4, 6 = 5, response median of 14,
--     70 = 42, within 30 days 1/2 = 50.0 %; GEIQ 1 answered in 3 days, picked up in 1: 100.0 %.
INSERT INTO entrepot.candidatures (
  id, date_candidature, etat, origine, origine_detaillee, auto_prescription, id_candidat, id_structure,
  type_structure, nom_structure, categorie_structure, departement_structure, libelle_departement_structure,
  region_structure, bassin_emploi_structure, departement_org, archivee, delai_prise_en_compte_jours,
  delai_reponse_jours, code_bassin_emploi_structure, code_epci_structure
) VALUES
  ('00000000-0000-4000-8000-000000000001', '2025-03-01', 'Candidature acceptée', 'Prescripteur habilité', 'Prescripteur habilité FT', false, 1, 501, 'ACI', 'Chantier A', 'IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', '93', false, 2, 12, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000002', '2025-03-02', 'Candidature refusée', 'Candidat', 'Candidat', false, 2, 501, 'ACI', 'Chantier A', 'IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', NULL, false, 3, 40, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000003', '2025-03-03', 'Candidature refusée', 'Orienteur', 'Orienteur Autre', false, 3, 501, 'ACI', 'Chantier A', 'IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', '93', false, 1, 5, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000004', '2025-03-04', 'Nouvelle candidature', 'Candidat', 'Candidat', false, 4, 501, 'ACI', 'Chantier A', 'IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', NULL, false, NULL, NULL, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000005', '2025-03-05', 'Candidature acceptée', 'Employeur', 'Employeur EI', true, 5, 502, 'EI', 'Entreprise B', 'IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', NULL, false, 4, 14, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000006', '2025-03-06', 'Candidature acceptée', 'Prescripteur habilité', 'Prescripteur habilité ML', false, 6, 502, 'EI', 'Entreprise B', 'IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', '93', false, 6, 70, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000007', '2025-03-07', 'Candidature acceptée', 'Prescripteur habilité', 'Prescripteur habilité FT', false, 7, 503, 'GEIQ', 'GEIQ C', 'Hors IAE', '93', '93 - Seine-Saint-Denis', 'Île-de-France', 'Bassin de Saint-Denis', '93', false, 1, 3, '9301', '200054781'),
  ('00000000-0000-4000-8000-000000000008', '2025-03-08', 'Candidature acceptée', 'Prescripteur habilité', 'Prescripteur habilité FT', false, 8, 601, 'ACI', 'Chantier D', 'IAE', '75', '75 - Paris', 'Île-de-France', 'Bassin de Paris', '93', false, 2, 9, '7501', '200054781'),
  ('00000000-0000-4000-8000-000000000009', '2025-03-09', 'Candidature acceptée', 'Candidat', 'Candidat', false, 9, 601, 'ACI', 'Chantier D', 'IAE', '75', '75 - Paris', 'Île-de-France', 'Bassin de Paris', NULL, false, 2, 9, '7501', '200054781'),
  ('00000000-0000-4000-8000-000000000010', '2025-03-10', 'Candidature acceptée', 'Candidat', 'Candidat', false, 10, 601, 'ACI', 'Chantier D', 'IAE', '75', '75 - Paris', 'Île-de-France', 'Bassin de Paris', NULL, false, 2, 9, '7501', '200054781');

INSERT INTO entrepot.candidats (
  id, hash_nir, sexe, annee_naissance, tranche_age, departement, libelle_departement, region, qpv, zrr, brsa,
  deld, travailleur_handicape, date_inscription, diagnostic_valide
) VALUES
  (1, repeat('1', 64), 'F', 1990, '26-44 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (2, repeat('2', 64), 'M', 1985, '26-44 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (3, repeat('3', 64), 'M', 1970, '45-54 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (4, repeat('4', 64), 'M', 2000, 'Moins de 26 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (5, repeat('5', 64), 'F', 1995, '26-44 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (6, repeat('6', 64), 'M', 1980, '26-44 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (7, repeat('7', 64), 'F', 1975, '45-54 ans', '93', '93 - Seine-Saint-Denis', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (8, repeat('8', 64), 'F', 1992, '26-44 ans', '75', '75 - Paris', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (9, repeat('9', 64), 'F', 1988, '26-44 ans', '75', '75 - Paris', 'Île-de-France', false, false, false, false, false, '2025-01-10', true),
  (10, repeat('a', 64), 'F', 1999, 'Moins de 26 ans', '75', '75 - Paris', 'Île-de-France', false, false, false, false, false, '2025-01-10', true);

-- Financial annexes (heures_annuelles_etp = 1607):
--   1: ACI 501 (93), 2025-01-01 → 2025-12-31, 10 ETP, aid 230 000 €, 23 000 € co-funded by the CD
--   2: EI 502 (93), 2024-07-01 → 2025-06-30 (over two years), 4 ETP, aid 47 200 €: 181 of the 365 days
--      of 2025 → 4 × 181 / 365 = 1.98 ETP; 47 200 × 181 / 365 = 23 406 €
--   3: ACI 501 (93), FDI_DC: not ETP, excluded
--   4: ACI 601 (75), 2025, 6 ETP: other département
INSERT INTO entrepot.annexes_financieres (
  id_annexe_financiere, numero_annexe, numero_convention, id_structure_asp, id_structure, nom_structure,
  mesure_dispositif_code, type_structure, etat, date_debut_effet, date_fin_effet, etp_postes_insertion,
  montant_unitaire_annuel, montant_total_annuel, montant_cofinance_cd, heures_annuelles_etp, departement_af,
  libelle_departement_af, code_region_af, region_af, code_bassin_emploi_af
) VALUES
  (1, 'ACI093250001', 'ACI093000501', 9501, 501, 'Chantier A', 'ACI_DC', 'ACI', 'VALIDE', '2025-01-01', '2025-12-31', 10.00, 23000.00, 230000.00, 23000.00, 1607.0, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (2, 'EI093240001', 'EI093000502', 9502, 502, 'Entreprise B', 'EI_DC', 'EI', 'CLOTURE', '2024-07-01', '2025-06-30', 4.00, 11800.00, 47200.00, 0.00, 1607.0, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (3, 'FDI093250001', 'ACI093000501', 9501, 501, 'Chantier A', 'FDI_DC', 'ACI', 'VALIDE', '2025-01-01', '2025-12-31', 0.00, 0.00, 15000.00, 0.00, 1607.0, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (4, 'ACI075250001', 'ACI075000601', 9601, 601, 'Chantier D', 'ACI_DC', 'ACI', 'VALIDE', '2025-01-01', '2025-12-31', 6.00, 23000.00, 138000.00, 0.00, 1607.0, '75', '75 - Paris', '11', 'Île-de-France', '7501');

-- Monthly statements of 2025 (and one of 2024, not counted for 2025):
--   annex 1: 10 × 1 205.25 h = 12 052.5 h = 7.5 × 1 607 → 7.50 ETP réalisés, 75.0 % of 10
--   annex 2: 2 × 401.75 h = 803.5 h = 0.5 × 1 607 → 0.50 ETP réalisés, 0.5 / 1.98356 = 25.2 %
--   annex 4: 75, other département
-- Employees of 2025 in the 93 (for the note on women): ACI 11–20, women 11, 13, 15 → 3/10 = 30.0 %, and
-- 30.0 % of the hours (every month is 1 205.25 h); EI: 21, a woman → 100.0 %, 100.0 %.
INSERT INTO entrepot.etats_mensuels_individuels (
  id_emi, id_annexe_financiere, id_structure_asp, id_structure, type_structure, id_salarie, sexe_salarie,
  annee, mois, nb_heures_travaillees, etat_code, salarie_brsa, departement_af, libelle_departement_af,
  code_region_af, region_af, code_bassin_emploi_af
) VALUES
  (1, 1, 9501, 501, 'ACI', 11, 'F', 2025, 1, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (2, 1, 9501, 501, 'ACI', 12, 'M', 2025, 2, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (3, 1, 9501, 501, 'ACI', 13, 'F', 2025, 3, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (4, 1, 9501, 501, 'ACI', 14, 'M', 2025, 4, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (5, 1, 9501, 501, 'ACI', 15, 'F', 2025, 5, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (6, 1, 9501, 501, 'ACI', 16, 'M', 2025, 6, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (7, 1, 9501, 501, 'ACI', 17, 'M', 2025, 7, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (8, 1, 9501, 501, 'ACI', 18, 'M', 2025, 8, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (9, 1, 9501, 501, 'ACI', 19, 'M', 2025, 9, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (10, 1, 9501, 501, 'ACI', 20, 'M', 2025, 10, 1205.25, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (11, 2, 9502, 502, 'EI', 21, 'F', 2025, 1, 401.75, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (12, 2, 9502, 502, 'EI', 21, 'F', 2025, 2, 401.75, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (13, 2, 9502, 502, 'EI', 21, 'F', 2024, 12, 800.00, 'VALIDE', false, '93', '93 - Seine-Saint-Denis', '11', 'Île-de-France', '9301'),
  (14, 4, 9601, 601, 'ACI', 31, 'M', 2025, 1, 1000.00, 'VALIDE', false, '75', '75 - Paris', '11', 'Île-de-France', '7501');
