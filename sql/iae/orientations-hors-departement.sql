/* ---
name: Orientations vers des SIAE d'autres départements
description: >
  Les candidatures que les prescripteurs du territoire envoient à des SIAE situées dans un autre
  département, par département d'accueil.
collection: iae
display: table
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
  - { name: departement_de_la_structure, label: Département de la structure, kind: territory }
  - { name: orientations, label: Orientations, kind: count }
  - { name: acceptees, label: Acceptées, kind: count }
--- */
SELECT
  libelle_departement_structure AS departement_de_la_structure,
  count(*) AS orientations,
  count(*) FILTER (WHERE etat = 'Candidature acceptée') AS acceptees
FROM entrepot.candidatures
WHERE {{departement}}
  AND departement_structure <> departement_org
  [[AND {{periode}}]]
  [[AND {{type_org_prescripteur}}]]
GROUP BY libelle_departement_structure
ORDER BY orientations DESC, departement_de_la_structure
