/* ---
name: ETP conventionnés et réalisés des adhérents du réseau
description: >
  Pour chaque structure adhérente du réseau : ETP conventionnés de l'année, ETP réalisés d'après les
  états mensuels, et taux de réalisation.
collection: iae
display: table
parameters:
  reseau:
    type: field filter
    column: entrepot.reseaux_adherents.id_institution
    column_type: number
    label: Réseau
    required: true
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: id_structure, label: Identifiant de la structure, kind: identifier }
  - { name: structure, label: Structure, kind: text }
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
  - { name: etp_realises, label: ETP réalisés, kind: etp }
  - { name: taux_realisation_pct, label: Taux de réalisation, kind: percentage, percent_scale: percent }
--- */
WITH annee AS (
  SELECT make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
),
annexes AS (
  SELECT
    af.id_annexe_financiere,
    af.id_structure,
    af.nom_structure,
    af.type_structure,
    af.heures_annuelles_etp,
    af.etp_postes_insertion * (least(af.date_fin_effet, annee.fin) - greatest(af.date_debut_effet, annee.debut) + 1)::numeric
      / (annee.fin - annee.debut + 1) AS etp_conventionnes
  FROM entrepot.annexes_financieres af, annee
  WHERE af.id_structure IN (SELECT id_structure FROM entrepot.reseaux_adherents WHERE {{reseau}})
    AND af.mesure_dispositif_code <> 'FDI_DC'
    AND af.etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
    AND af.date_debut_effet <= annee.fin
    AND af.date_fin_effet >= annee.debut
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
  round(sum(annexes.etp_conventionnes), 2) AS etp_conventionnes,
  round(coalesce(sum(realises.etp_realises), 0), 2) AS etp_realises,
  round(100 * coalesce(sum(realises.etp_realises), 0) / nullif(sum(annexes.etp_conventionnes), 0), 1)
    AS taux_realisation_pct
FROM annexes
LEFT JOIN realises ON realises.id_annexe_financiere = annexes.id_annexe_financiere
GROUP BY annexes.id_structure, annexes.nom_structure, annexes.type_structure
ORDER BY structure, annexes.id_structure
