/* ---
name: Orientations vers l'IAE
description: >
  Candidatures envoyées vers l'IAE par les prescripteurs et orienteurs du territoire sur la période.
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
  - { name: orientations, label: Orientations, kind: count }
--- */
SELECT count(*) AS orientations
FROM entrepot.candidatures
WHERE {{departement}}
  AND origine IN ('Prescripteur habilité', 'Orienteur')
  [[AND {{periode}}]]
  [[AND {{type_org_prescripteur}}]]
