/* ---
name: Ce que sont devenues les personnes orientées par mon organisation
description: >
  Les candidatures envoyées vers l'IAE par votre organisation, selon leur état, avec le délai médian de
  réponse de l'employeur.
collection: iae
display: table
parameters:
  organisation:
    type: field filter
    column: entrepot.candidatures.id_org_prescripteur
    column_type: number
    label: Organisation
    required: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
columns:
  - { name: etat, label: État de la candidature, kind: text }
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: part_pct, label: Part des candidatures, kind: percentage, percent_scale: percent }
  - { name: delai_median_reponse_jours, label: Délai médian de réponse, kind: days, unit: jours }
--- */
SELECT
  etat,
  count(*) AS candidatures,
  round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS part_pct,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_reponse_jours) AS delai_median_reponse_jours
FROM entrepot.candidatures
WHERE {{organisation}}
  [[AND {{periode}}]]
GROUP BY etat
ORDER BY candidatures DESC, etat
