/* ---
name: ETP conventionnés et réalisés par département et bassin d'emploi
description: >
  Pour chaque département et bassin d'emploi du territoire : les ETP conventionnés de l'année et les ETP
  réalisés (heures travaillées déclarées rapportées aux heures annuelles d'un temps plein). La
  comparaison des territoires rapporte les seconds aux premiers.
collection: iae
display: table
parameters:
  bassin:
    type: field filter
    column: entrepot.annexes_financieres.code_bassin_emploi_af
    label: Bassin d'emploi
    required: true
    multiple: true
  departement:
    type: field filter
    column: entrepot.annexes_financieres.departement_af
    label: Département
    required: true
    multiple: true
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: code_departement, label: Code du département, kind: identifier }
  - { name: departement, label: Département, kind: territory }
  - { name: code_bassin, label: Code du bassin d'emploi, kind: identifier }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
  - { name: etp_realises, label: ETP réalisés, kind: etp }
--- */
WITH annee AS (
  SELECT make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
),
annexes AS (
  SELECT
    id_annexe_financiere,
    departement_af,
    libelle_departement_af,
    code_bassin_emploi_af,
    heures_annuelles_etp,
    etp_postes_insertion * (least(date_fin_effet, annee.fin) - greatest(date_debut_effet, annee.debut) + 1)::numeric
      / (annee.fin - annee.debut + 1) AS etp_conventionnes
  FROM entrepot.annexes_financieres, annee
  WHERE {{departement}}
    AND {{bassin}}
    AND mesure_dispositif_code <> 'FDI_DC'
    AND etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
    AND date_debut_effet <= annee.fin
    AND date_fin_effet >= annee.debut
),
realises AS (
  SELECT annexes.id_annexe_financiere, sum(emi.nb_heures_travaillees / annexes.heures_annuelles_etp) AS etp_realises
  FROM annexes
  JOIN entrepot.etats_mensuels_individuels emi ON emi.id_annexe_financiere = annexes.id_annexe_financiere
  JOIN annee ON emi.annee = extract(year FROM annee.debut)
  GROUP BY annexes.id_annexe_financiere
)
SELECT
  annexes.departement_af AS code_departement,
  annexes.libelle_departement_af AS departement,
  annexes.code_bassin_emploi_af AS code_bassin,
  round(sum(annexes.etp_conventionnes), 2) AS etp_conventionnes,
  round(coalesce(sum(realises.etp_realises), 0), 2) AS etp_realises
FROM annexes
LEFT JOIN realises ON realises.id_annexe_financiere = annexes.id_annexe_financiere
GROUP BY annexes.departement_af, annexes.libelle_departement_af, annexes.code_bassin_emploi_af
ORDER BY code_departement, code_bassin
