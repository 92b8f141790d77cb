/* ---
name: Part des structures de l'IAE
description: >
  Part des structures actives qui relèvent de l'insertion par l'activité économique (ACI, AI, EI, ETTI, EITI).
collection: public
display: scalar
parameters:
  departement:
    type: field filter
    column: entrepot.structures.departement
    label: Département
    multiple: true
columns:
  - { name: part_iae_pct, label: Part des structures de l'IAE, kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE categorie_structure = 'IAE') / nullif(count(*), 0), 1) AS part_iae_pct
FROM entrepot.structures
WHERE active
  [[AND {{departement}}]]
