/* ---
name: PASS IAE en cours de validité
description: >
  PASS IAE dont la date de fin n'est pas passée, pour des embauches dans les SIAE du territoire.
collection: iae
display: scalar
parameters:
  departement:
    type: field filter
    column: entrepot.pass_iae.departement_structure
    label: Département
    required: true
    multiple: true
columns:
  - { name: pass_iae_valides, label: PASS IAE en cours de validité, kind: count }
--- */
SELECT count(*) AS pass_iae_valides
FROM entrepot.pass_iae
WHERE {{departement}}
  AND type = 'PASS IAE'
  AND date_fin >= current_date
