/* ---
name: Candidatures reçues par les adhérents
description: >
  Candidatures reçues sur la période par les structures adhérentes du réseau.
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
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
--- */
SELECT count(*) AS candidatures_recues
FROM entrepot.candidatures
WHERE id_structure IN (SELECT id_structure FROM entrepot.reseaux_adherents WHERE {{reseau}})
  [[AND {{periode}}]]
