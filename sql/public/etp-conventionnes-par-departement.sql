/* ---
name: ETP conventionnés par département
description: >
  Postes d'insertion financés par l'État dans les SIAE, en équivalents temps plein annuels, par
  département, pour l'année choisie (annexes FDI exclues).
collection: public
display: table
parameters:
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: departement, label: Département, kind: territory }
  - { name: region, label: Région, kind: territory }
  - { name: structures_conventionnees, label: Structures conventionnées, kind: count }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
--- */
WITH annee AS (
  SELECT make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
)
SELECT
  libelle_departement_af AS departement,
  region_af AS region,
  count(DISTINCT id_structure) AS structures_conventionnees,
  round(
    sum(
      etp_postes_insertion * (least(date_fin_effet, annee.fin) - greatest(date_debut_effet, annee.debut) + 1)::numeric
        / (annee.fin - annee.debut + 1)
    ),
    2
  ) AS etp_conventionnes
FROM entrepot.annexes_financieres, annee
WHERE mesure_dispositif_code <> 'FDI_DC'
  AND etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
  AND date_debut_effet <= annee.fin
  AND date_fin_effet >= annee.debut
GROUP BY libelle_departement_af, region_af
ORDER BY departement
