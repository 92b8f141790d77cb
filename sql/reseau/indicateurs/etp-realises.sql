/* ---
name: ETP réalisés des adhérents
description: >
  ETP réalisés dans l'année par les structures adhérentes du réseau, et ceux de l'année précédente.
collection: iae
display: scalar
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
WHERE etats_mensuels_individuels.id_structure IN (SELECT id_structure FROM entrepot.reseaux_adherents WHERE {{reseau}})
  AND annexes_financieres.mesure_dispositif_code <> 'FDI_DC'
