/* ---
name: Les femmes parmi les candidatures et les embauches en SIAE
description: >
  Sur le territoire, toutes SIAE confondues : combien de candidatures, la part venant de femmes, combien
  d'embauches, la part de femmes parmi elles, et l'écart entre ces deux parts en points (positif quand
  les femmes sont plus présentes parmi les embauches que parmi les candidatures).
collection: iae
display: table
parameters:
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
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: part_femmes_candidatures_pct, label: Part des femmes parmi les candidatures, kind: percentage, percent_scale: percent }
  - { name: embauches, label: Embauches, kind: count }
  - { name: part_femmes_embauches_pct, label: Part des femmes parmi les embauches, kind: percentage, percent_scale: percent }
  - { name: ecart_points, label: Écart entre les deux parts, kind: count, unit: points, decimals: 1 }
--- */
WITH parts AS (
  SELECT
    count(*) AS candidatures,
    100.0 * count(*) FILTER (WHERE candidats.sexe = 'F') / nullif(count(*), 0) AS femmes_candidatures,
    count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée') AS embauches,
    100.0 * count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée' AND candidats.sexe = 'F')
      / nullif(count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée'), 0) AS femmes_embauches
  FROM entrepot.candidatures
  JOIN entrepot.candidats ON candidats.id = candidatures.id_candidat
  WHERE {{departement}}
    AND candidatures.categorie_structure = 'IAE'
    [[AND {{periode}}]]
)
SELECT
  candidatures,
  round(femmes_candidatures, 1) AS part_femmes_candidatures_pct,
  embauches,
  round(femmes_embauches, 1) AS part_femmes_embauches_pct,
  round(femmes_embauches - femmes_candidatures, 1) AS ecart_points
FROM parts
