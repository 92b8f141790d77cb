/* ---
name: PASS IAE en cours de validité par type de SIAE
description: >
  PASS IAE dont la date de fin n'est pas encore passée, par type de SIAE qui a embauché, avec ceux qui
  sont suspendus et ceux qui ont été prolongés. Les anciens agréments Pôle emploi ne sont pas comptés.
collection: iae
display: table
parameters:
  departement:
    type: field filter
    column: entrepot.pass_iae.departement_structure
    label: Département
    required: true
    multiple: true
columns:
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: pass_iae_valides, label: PASS IAE en cours de validité, kind: count }
  - { name: dont_suspendus, label: dont suspendus, kind: count }
  - { name: dont_prolonges, label: dont prolongés, kind: count }
--- */
SELECT
  type_structure,
  count(*) AS pass_iae_valides,
  count(*) FILTER (WHERE suspension_en_cours) AS dont_suspendus,
  count(*) FILTER (WHERE nb_prolongations > 0) AS dont_prolonges
FROM entrepot.pass_iae
WHERE {{departement}}
  AND type = 'PASS IAE'
  AND date_fin >= current_date
GROUP BY type_structure
ORDER BY type_structure
