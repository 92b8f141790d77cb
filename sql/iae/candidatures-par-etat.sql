/* ---
name: Où en sont les candidatures reçues
description: >
  Répartition des candidatures reçues par les SIAE du territoire selon leur état : nouvelles, à l'étude,
  acceptées, refusées, embauche annulée, embauché ailleurs ou gardées en vivier.
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
  - { name: etat, label: État de la candidature, kind: text }
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: part_pct, label: Part des candidatures, kind: percentage, percent_scale: percent }
--- */
SELECT
  etat,
  count(*) AS candidatures,
  round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS part_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
GROUP BY etat
ORDER BY candidatures DESC, etat
