/* ---
name: Délai de réponse des SIAE, par tranche
description: >
  Les candidatures reçues par les SIAE du territoire qui ont reçu une réponse, selon le temps mis à
  répondre : une semaine ou moins, deux semaines, un mois, deux mois, plus de deux mois.
collection: iae
display: bar
visualization:
  graph.dimensions: [tranche]
  graph.metrics: [candidatures]
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
  - { name: tranche, label: Délai de réponse, kind: text }
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: part_pct, label: Part des réponses, kind: percentage, percent_scale: percent }
--- */
WITH tranches AS (
  SELECT
    CASE
      WHEN delai_reponse_jours <= 7 THEN 1
      WHEN delai_reponse_jours <= 15 THEN 2
      WHEN delai_reponse_jours <= 30 THEN 3
      WHEN delai_reponse_jours <= 60 THEN 4
      ELSE 5
    END AS rang
  FROM entrepot.candidatures
  WHERE {{departement}}
    AND {{bassin}}
    AND categorie_structure = 'IAE'
    AND delai_reponse_jours IS NOT NULL
    [[AND {{periode}}]]
)
SELECT
  CASE rang
    WHEN 1 THEN '7 jours ou moins'
    WHEN 2 THEN '8 à 15 jours'
    WHEN 3 THEN '16 à 30 jours'
    WHEN 4 THEN '31 à 60 jours'
    ELSE 'Plus de 60 jours'
  END AS tranche,
  count(*) AS candidatures,
  round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS part_pct
FROM tranches
GROUP BY rang
ORDER BY rang
