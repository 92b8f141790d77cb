/* ---
name: Femmes parmi les candidatures
description: >
  Part des femmes parmi les personnes qui ont candidaté dans une SIAE du territoire sur la période.
collection: iae
display: scalar
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
  - { name: part_femmes_pct, label: Part des femmes, kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE candidats.sexe = 'F') / nullif(count(*), 0), 1) AS part_femmes_pct
FROM entrepot.candidatures
JOIN entrepot.candidats ON candidats.id = candidatures.id_candidat
WHERE {{departement}}
  AND candidatures.categorie_structure = 'IAE'
  [[AND {{periode}}]]
