/* ---
name: Candidatures reçues
description: >
  Nombre de candidatures reçues par les SIAE du territoire sur la période.
collection: iae
display: scalar
parameters:
  bassin:
    type: field filter
    column: entrepot.candidatures.code_bassin_emploi_structure
    label: Bassin d'emploi
    required: true
    multiple: true
  departement:
    type: field filter
    column: entrepot.candidatures.departement_structure
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
  type_structure:
    type: field filter
    column: entrepot.candidatures.type_structure
    label: Type de structure
    multiple: true
columns:
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
--- */
SELECT count(*) AS candidatures_recues
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
