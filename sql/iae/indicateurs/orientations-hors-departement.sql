/* ---
name: Part des orientations hors du département
description: >
  Part des orientations du territoire envoyées à des SIAE d'un autre département.
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
  - { name: part_hors_departement_pct, label: Part hors du département, kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE departement_structure <> departement_org) / nullif(count(*), 0), 1)
  AS part_hors_departement_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND origine IN ('Prescripteur habilité', 'Orienteur')
  [[AND {{periode}}]]
  [[AND {{type_org_prescripteur}}]]
