/* ---
name: Structures qui ont embauché les personnes orientées par mon organisation
description: >
  Les SIAE qui ont reçu le plus de candidatures de votre organisation, avec le nombre d'embauches.
collection: iae
display: table
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
--- */
SELECT
  nom_structure AS structure,
  type_structure,
  libelle_departement_structure AS departement,
  count(*) AS candidatures,
  count(*) FILTER (WHERE etat = 'Candidature acceptée') AS embauches
FROM entrepot.candidatures
WHERE {{organisation}}
  [[AND {{periode}}]]
GROUP BY id_structure, nom_structure, type_structure, libelle_departement_structure
ORDER BY candidatures DESC, structure, id_structure
LIMIT 50
