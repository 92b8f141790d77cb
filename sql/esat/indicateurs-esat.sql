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
