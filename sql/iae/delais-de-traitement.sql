/* ---
name: Délais de prise en compte et de réponse
description: >
  Par type de structure, le délai médian entre l'envoi d'une candidature et sa première consultation par
  l'employeur, puis jusqu'à sa réponse, et la part des candidatures traitées en 30 jours ou moins.
  Seules les candidatures qui ont reçu une réponse comptent dans le délai de réponse.
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
  - { name: candidatures_traitees, label: Candidatures traitées, kind: count }
  - { name: delai_median_prise_en_compte_jours, label: Délai médian de prise en compte, kind: days, unit: jours }
  - { name: delai_median_reponse_jours, label: Délai médian de réponse, kind: days, unit: jours }
  - { name: reponse_en_30_jours_pct, label: Réponses en 30 jours ou moins, kind: percentage, percent_scale: percent }
--- */
SELECT
  type_structure,
  count(*) FILTER (WHERE delai_reponse_jours IS NOT NULL) AS candidatures_traitees,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_prise_en_compte_jours) AS delai_median_prise_en_compte_jours,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_reponse_jours) AS delai_median_reponse_jours,
  round(
    100.0 * count(*) FILTER (WHERE delai_reponse_jours <= 30)
      / nullif(count(*) FILTER (WHERE delai_reponse_jours IS NOT NULL), 0),
    1
  ) AS reponse_en_30_jours_pct
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
GROUP BY type_structure
ORDER BY type_structure
