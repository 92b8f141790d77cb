/* ---
name: Candidatures reçues et acceptées par département et bassin d'emploi
description: >
  Pour chaque département et bassin d'emploi du territoire (celui de la SIAE) : candidatures reçues et
  candidatures acceptées. La comparaison des territoires rapporte les secondes aux premières.
collection: iae
display: table
parameters:
  bassin:
    type: field filter
    column: entrepot.candidatures.code_bassin_emploi_structure
    label: Bassin d'emploi
    required: true
    multiple: true
  departement:
    type: field filter
    column: entrepot.candidatures.departement_structure
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
  type_structure:
    type: field filter
    column: entrepot.candidatures.type_structure
    label: Type de structure
    multiple: true
columns:
  - { name: code_departement, label: Code du département, kind: identifier }
  - { name: departement, label: Département, kind: territory }
  - { name: code_bassin, label: Code du bassin d'emploi, kind: identifier }
  - { name: candidatures_recues, label: Candidatures reçues, kind: count }
  - { name: candidatures_acceptees, label: Candidatures acceptées, kind: count }
--- */
SELECT
  departement_structure AS code_departement,
  libelle_departement_structure AS departement,
  code_bassin_emploi_structure AS code_bassin,
  count(*) AS candidatures_recues,
  count(*) FILTER (WHERE etat = 'Candidature acceptée') AS candidatures_acceptees
FROM entrepot.candidatures
WHERE {{departement}}
  AND {{bassin}}
  AND categorie_structure = 'IAE'
  [[AND {{periode}}]]
  [[AND {{type_structure}}]]
GROUP BY departement_structure, libelle_departement_structure, code_bassin_emploi_structure
ORDER BY code_departement, code_bassin
