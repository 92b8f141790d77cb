/* ---
name: Candidatures reçues
description: >
  Candidatures reçues par vos structures sur la période.
collection: iae
display: scalar
parameters:
  structures:
    type: field filter
    column: entrepot.candidatures.id_structure
    column_type: number
    label: Structures
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
columns:
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
--- */
SELECT count(*) AS candidatures_recues
FROM entrepot.candidatures
WHERE {{structures}}
  [[AND {{periode}}]]
