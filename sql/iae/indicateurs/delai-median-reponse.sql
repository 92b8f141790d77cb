/* ---
name: Délai médian de réponse
description: >
  Délai médian entre l'envoi d'une candidature et la réponse de l'employeur, pour les candidatures traitées.
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
  - { name: delai_median_reponse_jours, label: Délai médian de réponse, kind: days, unit: jours }
--- */
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_reponse_jours)::numeric, 0) AS delai_median_reponse_jours
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  AND delai_reponse_jours IS NOT NULL
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
