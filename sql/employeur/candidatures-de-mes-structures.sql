/* ---
name: Candidatures reçues par mes structures
description: >
  Pour chacune de vos structures : candidatures reçues selon leur état, et délai médian de réponse.
collection: iae
display: table
parameters:
  structures:
    type: field filter
    column: entrepot.candidatures.id_structure
    column_type: number
    label: Structures
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
columns:
  - { name: structure, label: Structure, kind: text }
  - { name: etat, label: État de la candidature, kind: text }
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: delai_median_reponse_jours, label: Délai médian de réponse, kind: days, unit: jours }
--- */
SELECT
  nom_structure AS structure,
  etat,
  count(*) AS candidatures,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_reponse_jours) AS delai_median_reponse_jours
FROM entrepot.candidatures
WHERE {{structures}}
  [[AND {{periode}}]]
GROUP BY nom_structure, etat
ORDER BY structure, candidatures DESC, etat
