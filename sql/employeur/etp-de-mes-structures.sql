/* ---
name: ETP conventionnés et réalisés de mes structures, mois par mois
description: >
  Pour chaque mois de l'année et chacune de vos structures conventionnées : ETP conventionnés (postes
  de l'annexe financière en cours ce mois-là) et ETP réalisés (heures travaillées déclarées ce mois-là,
  rapportées aux heures mensuelles d'un temps plein).
collection: iae
display: line
visualization:
  graph.dimensions: [mois, structure]
  graph.metrics: [etp_conventionnes, etp_realises]
parameters:
  structures:
    type: field filter
    column: entrepot.annexes_financieres.id_structure
    column_type: number
    label: Structures
    required: true
    multiple: true
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: mois, label: Mois, kind: month }
  - { name: structure, label: Structure, kind: text }
  - { name: etp_conventionnes, label: ETP conventionnés, kind: etp }
  - { name: etp_realises, label: ETP réalisés, kind: etp }
--- */
WITH mois AS (
  SELECT generate_series(make_date({{annee}}, 1, 1), make_date({{annee}}, 12, 1), interval '1 month')::date AS mois
),
annexes AS (
  SELECT id_annexe_financiere, id_structure, nom_structure, date_debut_effet, date_fin_effet,
    etp_postes_insertion, heures_annuelles_etp
  FROM entrepot.annexes_financieres
  WHERE {{structures}}
    AND mesure_dispositif_code <> 'FDI_DC'
    AND etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
),
conventionnes AS (
  SELECT mois.mois, annexes.id_structure, annexes.nom_structure, sum(annexes.etp_postes_insertion) AS etp
  FROM mois
  JOIN annexes ON annexes.date_debut_effet <= mois.mois AND annexes.date_fin_effet >= mois.mois
  GROUP BY mois.mois, annexes.id_structure, annexes.nom_structure
),
realises AS (
  SELECT make_date(emi.annee, emi.mois, 1) AS mois, annexes.id_structure,
    sum(emi.nb_heures_travaillees / (annexes.heures_annuelles_etp / 12)) AS etp
  FROM annexes
  JOIN entrepot.etats_mensuels_individuels emi ON emi.id_annexe_financiere = annexes.id_annexe_financiere
  WHERE emi.annee = {{annee}}
  GROUP BY 1, 2
)
SELECT
  conventionnes.mois,
  conventionnes.nom_structure AS structure,
  round(conventionnes.etp, 2) AS etp_conventionnes,
  round(coalesce(realises.etp, 0), 2) AS etp_realises
FROM conventionnes
LEFT JOIN realises ON realises.mois = conventionnes.mois AND realises.id_structure = conventionnes.id_structure
ORDER BY conventionnes.mois, structure
