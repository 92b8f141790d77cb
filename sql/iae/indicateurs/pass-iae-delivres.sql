/* ---
name: PASS IAE délivrés
description: >
  PASS IAE délivrés sur la période pour des embauches dans les SIAE du territoire.
collection: iae
display: scalar
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
  - { name: pass_iae_delivres, label: PASS IAE délivrés, kind: count }
--- */
SELECT count(*) AS pass_iae_delivres
FROM entrepot.pass_iae
WHERE {{departement}}
  AND type = 'PASS IAE'
  [[AND {{periode}}]]
