/* ---
name: Taux d'acceptation
description: >
  Part des candidatures reçues sur la période qui ont été acceptées.
collection: iae
display: scalar
parameters:
  bassin:
    type: field filter
    column: entrepot.candidatures.code_bassin_emploi_structure
    label: Bassin d'emploi
    required: true
    multiple: true
  departement:
    type: field filter
    column: entrepot.candidatures.departement_structure
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
  type_structure:
    type: field filter
    column: entrepot.candidatures.type_structure
    label: Type de structure
    multiple: true
columns:
  - { name: taux_acceptation_pct, label: "Taux d'acceptation", kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE etat = 'Candidature acceptée') / nullif(count(*), 0), 1) AS taux_acceptation_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
