/* ---
name: Personnes orientées
description: >
  Candidatures envoyées vers l'IAE par votre organisation sur la période.
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
  - { name: candidatures, label: Candidatures envoyées, kind: count }
--- */
SELECT count(*) AS candidatures
FROM entrepot.candidatures
WHERE {{organisation}}
  [[AND {{periode}}]]
