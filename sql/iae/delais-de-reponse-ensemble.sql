/* ---
name: Réponses des SIAE aux candidatures
description: >
  Sur le territoire, toutes SIAE confondues : les candidatures reçues, la part qui a reçu une réponse
  (acceptation, refus, embauche ailleurs, mise en vivier…), le délai médian de cette réponse et la part des
  réponses données en 30 jours ou moins. Une candidature encore nouvelle, à l'étude ou en attente n'a pas
  de réponse.
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
columns:
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
  - { name: part_avec_reponse_pct, label: Part des candidatures qui ont reçu une réponse, kind: percentage, percent_scale: percent }
  - { name: delai_median_reponse_jours, label: Délai médian de réponse, kind: days, unit: jours }
  - { name: reponse_en_30_jours_pct, label: Réponses en 30 jours ou moins, kind: percentage, percent_scale: percent }
--- */
SELECT
  count(*) AS candidatures_recues,
  round(100.0 * count(delai_reponse_jours) / nullif(count(*), 0), 1) AS part_avec_reponse_pct,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_reponse_jours) AS delai_median_reponse_jours,
  round(
    100.0 * count(*) FILTER (WHERE delai_reponse_jours <= 30) / nullif(count(delai_reponse_jours), 0),
    1
  ) AS reponse_en_30_jours_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  AND categorie_structure = 'IAE'
  [[AND {{periode}}]]
