/* ---
name: Part des sorties vers le milieu ordinaire
description: >
  Part des sorties d'ESAT vers le milieu ordinaire (entreprise adaptée, employeur privé ou public), dernière enquête.
collection: esat
display: scalar
parameters:
  departement:
    type: field filter
    column: entrepot.esat_reponses.libelle_departement
    label: Département
    required: true
    multiple: true
columns:
  - { name: valeur, label: Part des sorties vers le milieu ordinaire, kind: percentage, percent_scale: percent }
  - { name: enquete_precedente, label: Enquête précédente, kind: percentage, percent_scale: percent }
--- */
WITH par_millesime AS (
  SELECT millesime, round(100.0 * sum(nb_sorties_ea + nb_sorties_prive + nb_sorties_public) / nullif(sum(nb_sorties), 0), 1) AS valeur
  FROM entrepot.esat_reponses
  WHERE {{departement}}
  GROUP BY millesime
)
SELECT
  (SELECT valeur FROM par_millesime ORDER BY millesime DESC LIMIT 1) AS valeur,
  (SELECT valeur FROM par_millesime ORDER BY millesime DESC OFFSET 1 LIMIT 1) AS enquete_precedente
