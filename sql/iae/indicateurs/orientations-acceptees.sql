/* ---
name: Part des orientations acceptées
description: >
  Part des orientations du territoire que les SIAE ont acceptées.
collection: iae
display: scalar
parameters:
  departement:
    type: field filter
    column: entrepot.candidatures.departement_org
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
  type_org_prescripteur:
    type: field filter
    column: entrepot.candidatures.type_org_prescripteur
    label: Type de prescripteur
    multiple: true
columns:
  - { name: part_acceptees_pct, label: Part des orientations acceptées, kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE etat = 'Candidature acceptée') / nullif(count(*), 0), 1) AS part_acceptees_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND origine IN ('Prescripteur habilité', 'Orienteur')
  [[AND {{periode}}]]
  [[AND {{type_org_prescripteur}}]]
