/* ---
name: ETP réalisés
description: >
  ETP réalisés dans l'année d'après les heures déclarées chaque mois, et ceux de l'année précédente.
collection: iae
display: scalar
parameters:
  bassin:
    type: field filter
    column: entrepot.etats_mensuels_individuels.code_bassin_emploi_af
    label: Bassin d'emploi
    required: true
    multiple: true
  departement:
    type: field filter
    column: entrepot.etats_mensuels_individuels.departement_af
    label: Département
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
WHERE {{departement}}
  AND {{bassin}}
  AND annexes_financieres.mesure_dispositif_code <> 'FDI_DC'
