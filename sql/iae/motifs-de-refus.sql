/* ---
name: Motifs de refus des candidatures
description: Les raisons données par les SIAE du territoire quand elles refusent une candidature.
collection: iae
display: row
visualization:
  graph.dimensions: [motif_refus]
  graph.metrics: [candidatures_refusees]
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
  - { name: motif_refus, label: Motif de refus, kind: text }
  - { name: candidatures_refusees, label: Candidatures refusées, kind: count }
--- */
SELECT
  motif_refus,
  count(*) AS candidatures_refusees
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  AND etat = 'Candidature refusée'
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
GROUP BY motif_refus
ORDER BY candidatures_refusees DESC, motif_refus
