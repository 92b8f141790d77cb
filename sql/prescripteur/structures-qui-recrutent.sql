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
columns:
  - { name: structure, label: Structure, kind: text }
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: departement, label: Département, kind: territory }
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: embauches, label: Embauches, kind: count }
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
