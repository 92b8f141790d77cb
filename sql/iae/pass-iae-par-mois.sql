/* ---
name: PASS IAE délivrés par mois
description: >
  Nombre de PASS IAE délivrés chaque mois pour des embauches dans les SIAE du territoire. Les anciens
  agréments Pôle emploi ne sont pas comptés.
collection: iae
display: line
visualization:
  graph.dimensions: [mois]
  graph.metrics: [pass_iae_delivres]
parameters:
  departement:
    type: field filter
    column: entrepot.pass_iae.departement_structure
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.pass_iae.date_debut
    column_type: date
    label: Période
columns:
  - { name: mois, label: Mois, kind: month }
  - { name: pass_iae_delivres, label: PASS IAE délivrés, kind: count }
--- */
SELECT
  date_trunc('month', date_debut)::date AS mois,
  count(*) AS pass_iae_delivres
FROM entrepot.pass_iae
WHERE {{departement}}
  AND type = 'PASS IAE'
  [[AND {{periode}}]]
GROUP BY 1
ORDER BY 1
