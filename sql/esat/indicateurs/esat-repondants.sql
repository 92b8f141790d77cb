/* ---
name: ESAT répondants
description: >
  Nombre d'ESAT du territoire qui ont répondu à la dernière enquête, et à l'enquête précédente.
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
  - { name: valeur, label: ESAT répondants, kind: count }
  - { name: enquete_precedente, label: Enquête précédente, kind: count }
--- */
WITH par_millesime AS (
  SELECT millesime, count(*) AS valeur
  FROM entrepot.esat_reponses
  WHERE {{departement}}
  GROUP BY millesime
)
SELECT
  (SELECT valeur FROM par_millesime ORDER BY millesime DESC LIMIT 1) AS valeur,
  (SELECT valeur FROM par_millesime ORDER BY millesime DESC OFFSET 1 LIMIT 1) AS enquete_precedente
