/* ---
name: ETP conventionnés par type de SIAE
description: >
  Postes d'insertion financés par l'État dans les annexes financières de l'année, en équivalents temps
  plein annuels (ETP mensuels de l'annexe × part de l'année couverte), avec le montant de l'aide et la
  part cofinancée par le conseil départemental. Les annexes FDI ne sont pas des postes et sont exclues.
collection: iae
display: table
parameters:
  bassin:
    type: field filter
    column: entrepot.annexes_financieres.code_bassin_emploi_af
    label: Bassin d'emploi
    required: true
    multiple: true
  departement:
    type: field filter
    column: entrepot.annexes_financieres.departement_af
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
  - { name: structures_conventionnees, label: Structures conventionnées, kind: count }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
  - { name: montant_aide_euros, label: "Montant de l'aide", kind: euros }
  - { name: part_cofinancee_cd_pct, label: Part cofinancée par le conseil départemental, kind: percentage, percent_scale: percent }
--- */
WITH annee AS (
  SELECT make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
),
annexes AS (
  SELECT
    type_structure,
    id_structure,
    etp_postes_insertion,
    montant_total_annuel,
    montant_cofinance_cd,
    (least(date_fin_effet, annee.fin) - greatest(date_debut_effet, annee.debut) + 1)::numeric
      / (annee.fin - annee.debut + 1) AS part_annee
  FROM entrepot.annexes_financieres, annee
  WHERE {{departement}}
    AND {{bassin}}
    AND mesure_dispositif_code <> 'FDI_DC'
    AND etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
    AND date_debut_effet <= annee.fin
    AND date_fin_effet >= annee.debut
)
SELECT
  type_structure,
  count(DISTINCT id_structure) AS structures_conventionnees,
  round(sum(etp_postes_insertion * part_annee), 2) AS etp_conventionnes,
  round(sum(montant_total_annuel * part_annee), 0) AS montant_aide_euros,
  round(100 * sum(montant_cofinance_cd * part_annee) / nullif(sum(montant_total_annuel * part_annee), 0), 1)
    AS part_cofinancee_cd_pct
FROM annexes
GROUP BY type_structure
ORDER BY type_structure
