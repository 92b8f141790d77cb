/* ---
name: ETP réalisés
description: >
  ETP réalisés dans l'année par vos structures, et ceux de l'année précédente.
collection: iae
display: scalar
parameters:
  structures:
    type: field filter
    column: entrepot.etats_mensuels_individuels.id_structure
    column_type: number
    label: Structures
    required: true
    multiple: true
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: etp_realises, label: ETP réalisés, kind: etp }
  - { name: annee_precedente, label: L'année précédente, kind: etp }
--- */
SELECT
  round(sum(etats_mensuels_individuels.nb_heures_travaillees / annexes_financieres.heures_annuelles_etp)
    FILTER (WHERE etats_mensuels_individuels.annee = {{annee}}), 1) AS etp_realises,
  round(sum(etats_mensuels_individuels.nb_heures_travaillees / annexes_financieres.heures_annuelles_etp)
    FILTER (WHERE etats_mensuels_individuels.annee = {{annee}} - 1), 1) AS annee_precedente
FROM entrepot.etats_mensuels_individuels
JOIN entrepot.annexes_financieres
  ON annexes_financieres.id_annexe_financiere = etats_mensuels_individuels.id_annexe_financiere
WHERE {{structures}}
  AND annexes_financieres.mesure_dispositif_code <> 'FDI_DC'
