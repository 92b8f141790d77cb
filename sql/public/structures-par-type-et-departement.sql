/* ---
name: Structures de l'inclusion par type et par département
description: >
  Nombre de structures actives de l'insertion par l'activité économique (ACI, AI, EI, ETTI, EITI) et hors
  IAE (entreprises adaptées, GEIQ…), par département. Les antennes sont comptées à part de leur structure
  mère.
collection: public
display: table
parameters:
  departement:
    type: field filter
    column: entrepot.structures.departement
    label: Département
    multiple: true
columns:
  - { name: region, label: Région, kind: territory }
  - { name: departement, label: Département, kind: territory }
  - { name: type, label: Type de structure, kind: text }
  - { name: categorie_structure, label: Catégorie, kind: text }
  - { name: structures, label: Structures, kind: count }
--- */
SELECT
  region,
  libelle_departement AS departement,
  type,
  categorie_structure,
  count(*) AS structures
FROM entrepot.structures
WHERE active
  [[AND {{departement}}]]
GROUP BY region, libelle_departement, type, categorie_structure
ORDER BY region, departement, type
