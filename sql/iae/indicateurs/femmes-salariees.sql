/* ---
name: Femmes parmi les salariés en insertion
description: >
  Part des femmes parmi les salariés en insertion de l'année, et l'année précédente.
collection: iae
display: scalar
parameters:
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
  - { name: part_femmes_pct, label: Part des femmes, kind: percentage, percent_scale: percent }
  - { name: annee_precedente, label: L'année précédente, kind: percentage, percent_scale: percent }
--- */
SELECT
  round(100.0 * count(DISTINCT id_salarie) FILTER (WHERE annee = {{annee}} AND sexe_salarie = 'F')
    / nullif(count(DISTINCT id_salarie) FILTER (WHERE annee = {{annee}}), 0), 1) AS part_femmes_pct,
  round(100.0 * count(DISTINCT id_salarie) FILTER (WHERE annee = {{annee}} - 1 AND sexe_salarie = 'F')
    / nullif(count(DISTINCT id_salarie) FILTER (WHERE annee = {{annee}} - 1), 0), 1) AS annee_precedente
FROM entrepot.etats_mensuels_individuels
WHERE {{departement}}
