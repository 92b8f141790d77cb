/* ---
name: Candidatures reçues par les structures adhérentes du réseau
description: >
  Pour chaque structure adhérente du réseau : candidatures reçues, embauches, taux d'acceptation et délai
  médian de réponse.
collection: iae
display: table
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
  - { name: id_structure, label: Identifiant de la structure, kind: identifier }
  - { name: structure, label: Structure, kind: text }
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: departement, label: Département, kind: territory }
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
  - { name: embauches, label: Embauches, kind: count }
  - { name: taux_acceptation_pct, label: "Taux d'acceptation", kind: percentage, percent_scale: percent }
  - { name: delai_median_reponse_jours, label: Délai médian de réponse, kind: days, unit: jours }
--- */
SELECT
  id_structure,
  nom_structure AS structure,
  type_structure,
  libelle_departement_structure AS departement,
  count(*) AS candidatures_recues,
  count(*) FILTER (WHERE etat = 'Candidature acceptée') AS embauches,
  round(100.0 * count(*) FILTER (WHERE etat = 'Candidature acceptée') / count(*), 1) AS taux_acceptation_pct,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_reponse_jours) AS delai_median_reponse_jours
FROM entrepot.candidatures
WHERE id_structure IN (SELECT id_structure FROM entrepot.reseaux_adherents WHERE {{reseau}})
  [[AND {{periode}}]]
GROUP BY id_structure, nom_structure, type_structure, libelle_departement_structure
ORDER BY structure, id_structure
