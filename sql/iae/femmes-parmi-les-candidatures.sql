/* ---
name: Part des femmes parmi les candidatures et les embauches
description: >
  Par type de SIAE du territoire, la part des femmes parmi les personnes qui candidatent et parmi celles
  qui sont embauchées.
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
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: candidatures, label: Candidatures, kind: count }
  - { name: part_femmes_candidatures_pct, label: Part des femmes parmi les candidatures, kind: percentage, percent_scale: percent }
  - { name: embauches, label: Embauches, kind: count }
  - { name: part_femmes_embauches_pct, label: Part des femmes parmi les embauches, kind: percentage, percent_scale: percent }
--- */
SELECT
  candidatures.type_structure,
  count(*) AS candidatures,
  round(100.0 * count(*) FILTER (WHERE candidats.sexe = 'F') / count(*), 1) AS part_femmes_candidatures_pct,
  count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée') AS embauches,
  round(
    100.0 * count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée' AND candidats.sexe = 'F')
      / nullif(count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée'), 0),
    1
  ) AS part_femmes_embauches_pct
FROM entrepot.candidatures
JOIN entrepot.candidats ON candidats.id = candidatures.id_candidat
WHERE {{departement}}
  AND candidatures.categorie_structure = 'IAE'
  [[AND {{periode}}]]
GROUP BY candidatures.type_structure
ORDER BY candidatures.type_structure
