/* ---
name: Candidatures reçues par mois et par origine
description: >
  Candidatures reçues par les SIAE du territoire, mois par mois, selon qui les a envoyées :
  prescripteur habilité, orienteur, candidat lui-même ou employeur (auto-prescription comprise).
collection: iae
display: bar
visualization:
  graph.dimensions: [mois, origine]
  graph.metrics: [candidatures]
  stackable.stack_type: stacked
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
  - { name: mois, label: Mois, kind: month }
  - { name: origine, label: Origine de la candidature, kind: text }
  - { name: candidatures, label: Candidatures, kind: count }
--- */
SELECT
  date_trunc('month', date_candidature)::date AS mois,
  origine,
  count(*) AS candidatures
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
GROUP BY 1, 2
ORDER BY 1, 2
