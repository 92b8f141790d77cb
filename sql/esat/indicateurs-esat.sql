/* ---
name: Indicateurs des ESAT
description: >
  Réponses des ESAT du territoire à l'enquête annuelle : nombre d'ESAT répondants, places autorisées,
  travailleurs accompagnés, âge moyen, sorties et part des sorties vers le milieu ordinaire (entreprise
  adaptée, employeur privé ou public).
collection: esat
display: table
parameters:
  departement:
    type: field filter
    column: entrepot.esat_reponses.libelle_departement
    label: Département
    required: true
    multiple: true
columns:
  - { name: millesime, label: "Année de l'enquête", kind: identifier }
  - { name: esat_repondants, label: ESAT répondants, kind: count }
  - { name: places_autorisees, label: Places autorisées, kind: count }
  - { name: travailleurs_accompagnes, label: Travailleurs accompagnés, kind: count }
  - { name: age_moyen, label: Âge moyen, kind: count, unit: ans, decimals: 1 }
  - { name: sorties, label: Sorties, kind: count }
  - { name: taux_de_sortie_pct, label: Taux de sortie, kind: percentage, percent_scale: percent }
  - { name: sorties_milieu_ordinaire_pct, label: Part des sorties vers le milieu ordinaire, kind: percentage, percent_scale: percent }
--- */
SELECT
  millesime,
  count(*) AS esat_repondants,
  sum(nb_places_autorisees) AS places_autorisees,
  sum(nb_travailleurs_accompagnes) AS travailleurs_accompagnes,
  round(sum(age_moyen * nb_travailleurs_accompagnes) / nullif(sum(nb_travailleurs_accompagnes), 0), 1) AS age_moyen,
  sum(nb_sorties) AS sorties,
  round(100.0 * sum(nb_sorties) / nullif(sum(nb_travailleurs_accompagnes), 0), 1) AS taux_de_sortie_pct,
  round(
    100.0 * sum(nb_sorties_ea + nb_sorties_prive + nb_sorties_public) / nullif(sum(nb_sorties), 0),
    1
  ) AS sorties_milieu_ordinaire_pct
FROM entrepot.esat_reponses
WHERE {{departement}}
GROUP BY millesime
ORDER BY millesime
