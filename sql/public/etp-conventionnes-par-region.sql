/* ---
name: ETP conventionnés par région
description: >
  Postes d'insertion financés par l'État dans les SIAE, en équivalents temps plein annuels, par région,
  pour l'année choisie (annexes FDI exclues).
collection: public
display: row
visualization:
  graph.dimensions: [region]
  graph.metrics: [etp_conventionnes]
parameters:
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: region, label: Région, kind: territory }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp, decimals: 0 }
--- */
WITH annee AS (
  SELECT make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
)
SELECT
  region_af AS region,
  round(
    sum(
      etp_postes_insertion * (least(date_fin_effet, annee.fin) - greatest(date_debut_effet, annee.debut) + 1)::numeric
        / (annee.fin - annee.debut + 1)
    ),
    0
  ) AS etp_conventionnes
FROM entrepot.annexes_financieres, annee
WHERE mesure_dispositif_code <> 'FDI_DC'
  AND etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
  AND date_debut_effet <= annee.fin
  AND date_fin_effet >= annee.debut
GROUP BY region_af
ORDER BY etp_conventionnes DESC, region
