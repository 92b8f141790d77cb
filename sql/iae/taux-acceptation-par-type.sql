/* ---
name: Taux d'acceptation des candidatures par type de SIAE
description: >
  Pour chaque type de SIAE du territoire (ACI, AI, EI, ETTI, EITI) : candidatures reçues, candidatures
  acceptées et taux d'acceptation (acceptées rapportées aux reçues, en %).
collection: iae
display: table
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
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
  - { name: candidatures_acceptees, label: Candidatures acceptées, kind: count }
  - { name: taux_acceptation_pct, label: "Taux d'acceptation", kind: percentage, percent_scale: percent }
--- */
SELECT
  type_structure,
  count(*) AS candidatures_recues,
  count(*) FILTER (WHERE etat = 'Candidature acceptée') AS candidatures_acceptees,
  round(100.0 * count(*) FILTER (WHERE etat = 'Candidature acceptée') / count(*), 1) AS taux_acceptation_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  AND categorie_structure = 'IAE'
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
GROUP BY type_structure
ORDER BY type_structure
