/* ---
name: Part des candidatures acceptées
description: >
  Part des candidatures envoyées par votre organisation que les SIAE ont acceptées.
collection: iae
display: scalar
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
  - { name: part_acceptees_pct, label: Part des candidatures acceptées, kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE etat = 'Candidature acceptée') / nullif(count(*), 0), 1) AS part_acceptees_pct
FROM entrepot.candidatures
WHERE {{organisation}}
  [[AND {{periode}}]]
