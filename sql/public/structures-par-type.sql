/* ---
name: Structures actives par type
description: >
  Nombre de structures actives par type : les cinq types de SIAE (ACI, AI, EI, ETTI, EITI) et les
  structures hors IAE (entreprises adaptées, GEIQ…), antennes comprises.
collection: public
display: bar
visualization:
  graph.dimensions: [type]
  graph.metrics: [structures]
parameters:
  departement:
    type: field filter
    column: entrepot.structures.departement
    label: Département
    multiple: true
columns:
  - { name: type, label: Type de structure, kind: text }
  - { name: structures, label: Structures actives, kind: count }
--- */
SELECT
  type,
  count(*) AS structures
FROM entrepot.structures
WHERE active
  [[AND {{departement}}]]
GROUP BY type
ORDER BY structures DESC, type
