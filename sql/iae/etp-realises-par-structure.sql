/* ---
name: ETP conventionnés et réalisés par structure
description: >
  Pour chaque SIAE conventionnée du territoire : les ETP conventionnés de l'année, les ETP réalisés
  (heures travaillées déclarées chaque mois par les salariés en insertion, rapportées aux heures
  annuelles d'un temps plein) et le taux de réalisation. Un taux bas signale des postes financés mais
  peu occupés.
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
  - { name: id_structure, label: Identifiant de la structure, kind: identifier }
  - { name: structure, label: Structure, kind: text }
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: departement, label: Département, kind: territory }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
  - { name: etp_realises, label: ETP réalisés, kind: etp }
  - { name: taux_realisation_pct, label: Taux de réalisation, kind: percentage, percent_scale: percent }
--- */
WITH annee AS (
  SELECT make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
),
annexes AS (
  SELECT
    id_annexe_financiere,
    id_structure,
    nom_structure,
    type_structure,
    libelle_departement_af,
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
  annexes.id_structure,
  annexes.nom_structure AS structure,
  annexes.type_structure,
  annexes.libelle_departement_af AS departement,
  round(sum(annexes.etp_conventionnes), 2) AS etp_conventionnes,
  round(coalesce(sum(realises.etp_realises), 0), 2) AS etp_realises,
  round(100 * coalesce(sum(realises.etp_realises), 0) / nullif(sum(annexes.etp_conventionnes), 0), 1)
    AS taux_realisation_pct
FROM annexes
LEFT JOIN realises ON realises.id_annexe_financiere = annexes.id_annexe_financiere
GROUP BY annexes.id_structure, annexes.nom_structure, annexes.type_structure, annexes.libelle_departement_af
ORDER BY taux_realisation_pct NULLS FIRST, structure
