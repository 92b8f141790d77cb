/* ---
name: Structures conventionnées
description: >
  SIAE de France qui ont une annexe financière en cours dans l'année (annexes FDI exclues).
collection: public
display: scalar
parameters:
  annee:
    type: number
    label: Année
    required: true
    default: 2026
columns:
  - { name: structures_conventionnees, label: Structures conventionnées, kind: count }
--- */
SELECT count(DISTINCT id_structure) AS structures_conventionnees
FROM entrepot.annexes_financieres
WHERE mesure_dispositif_code <> 'FDI_DC'
  AND etat IN ('VALIDE', 'PROVISOIRE', 'CLOTURE')
  AND date_debut_effet <= make_date({{annee}}, 12, 31)
  AND date_fin_effet >= make_date({{annee}}, 1, 1)
