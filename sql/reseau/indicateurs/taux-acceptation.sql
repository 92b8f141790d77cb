/* ---
name: Taux d'acceptation des adhérents
description: >
  Part des candidatures reçues par les adhérents du réseau sur la période qui ont été acceptées.
collection: iae
display: scalar
parameters:
  reseau:
    type: field filter
    column: entrepot.reseaux_adherents.id_institution
    column_type: number
    label: Réseau
    required: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
columns:
  - { name: taux_acceptation_pct, label: "Taux d'acceptation", kind: percentage, percent_scale: percent }
--- */
SELECT round(100.0 * count(*) FILTER (WHERE etat = 'Candidature acceptée') / nullif(count(*), 0), 1) AS taux_acceptation_pct
FROM entrepot.candidatures
WHERE id_structure IN (SELECT id_structure FROM entrepot.reseaux_adherents WHERE {{reseau}})
  [[AND {{periode}}]]
