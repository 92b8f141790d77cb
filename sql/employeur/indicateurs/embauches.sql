/* ---
name: Embauches
description: >
  Candidatures acceptées par vos structures sur la période.
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
  - { name: embauches, label: Embauches, kind: count }
--- */
SELECT count(*) FILTER (WHERE etat = 'Candidature acceptée') AS embauches
FROM entrepot.candidatures
WHERE {{structures}}
  [[AND {{periode}}]]
