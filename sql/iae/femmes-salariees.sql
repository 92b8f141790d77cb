/* ---
name: Femmes salariées en insertion
description: >
  Personnes salariées en insertion pendant l'année (d'après les états mensuels déclarés à l'ASP), part
  des femmes parmi elles et dans les ETP réalisés, par type de SIAE.
collection: iae
display: table
parameters:
  departement:
    type: field filter
    column: entrepot.etats_mensuels_individuels.departement_af
    label: Département
    required: true
    multiple: true
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: salaries, label: Salariés en insertion, kind: count }
  - { name: part_femmes_pct, label: Part des femmes, kind: percentage, percent_scale: percent }
  - { name: part_femmes_dans_les_heures_pct, label: Part des femmes dans les heures travaillées, kind: percentage, percent_scale: percent }
--- */
SELECT
  type_structure,
  count(DISTINCT id_salarie) AS salaries,
  round(100.0 * count(DISTINCT id_salarie) FILTER (WHERE sexe_salarie = 'F') / count(DISTINCT id_salarie), 1)
    AS part_femmes_pct,
  round(100 * sum(nb_heures_travaillees) FILTER (WHERE sexe_salarie = 'F') / sum(nb_heures_travaillees), 1)
    AS part_femmes_dans_les_heures_pct
FROM entrepot.etats_mensuels_individuels
WHERE {{departement}}
  AND annee = {{annee}}
GROUP BY type_structure
ORDER BY type_structure
