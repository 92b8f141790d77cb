/* ---
name: Structures actives
description: >
  Structures de l'inclusion actives (IAE et hors IAE), antennes comprises.
collection: public
display: scalar
parameters:
  departement:
    type: field filter
    column: entrepot.structures.departement
    label: Département
    multiple: true
columns:
  - { name: structures, label: Structures actives, kind: count }
--- */
SELECT count(*) AS structures
FROM entrepot.structures
WHERE active
  [[AND {{departement}}]]
