/* ---
name: ETP conventionnés
description: >
  ETP conventionnés de l'année dans les SIAE du territoire (annexes FDI exclues), et ceux de l'année précédente.
collection: iae
display: scalar
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
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
  - { name: annee_precedente, label: L'année précédente, kind: etp }
--- */
WITH periodes AS (
  SELECT 0 AS decalage, make_date({{annee}}, 1, 1) AS debut, make_date({{annee}}, 12, 31) AS fin
  UNION ALL
  SELECT 1, make_date({{annee}} - 1, 1, 1), make_date({{annee}} - 1, 12, 31)
),
etp AS (
  SELECT
    periodes.decalage,
    sum(
      annexes_financieres.etp_postes_insertion
        * (least(annexes_financieres.date_fin_effet, periodes.fin)
          - greatest(annexes_financieres.date_debut_effet, periodes.debut) + 1)::numeric
        / (periodes.fin - periodes.debut + 1)
    ) AS etp
  FROM entrepot.annexes_financieres
  JOIN periodes
    ON annexes_financieres.date_debut_effet <= periodes.fin
    AND annexes_financieres.date_fin_effet >= periodes.debut
  WHERE {{departement}}
    AND {{bassin}}
    AND annexes_financieres.mesure_dispositif_code <> 'FDI_DC'
    AND annexes_financieres.etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
  GROUP BY periodes.decalage
)
SELECT
  round((SELECT etp FROM etp WHERE decalage = 0), 1) AS etp_conventionnes,
  round((SELECT etp FROM etp WHERE decalage = 1), 1) AS annee_precedente
