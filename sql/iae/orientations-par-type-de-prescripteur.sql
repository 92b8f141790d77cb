/* ---
name: Orientations par type de prescripteur
description: >
  Candidatures envoyées vers l'IAE par les prescripteurs et orienteurs du territoire (France Travail,
  missions locales, Cap emploi, conseil départemental, PLIE…), où qu'elles aillent, et ce qu'elles sont
  devenues : acceptées, refusées, encore en attente de réponse.
collection: iae
display: table
parameters:
  departement:
    type: field filter
    column: entrepot.candidatures.departement_org
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: entrepot.candidatures.date_candidature
    column_type: date
    label: Période
  type_org_prescripteur:
    type: field filter
    column: entrepot.candidatures.type_org_prescripteur
    label: Type de prescripteur
    multiple: true
columns:
  - { name: type_org_prescripteur, label: Type de prescripteur, kind: text }
  - { name: origine, label: Origine, kind: text }
  - { name: orientations, label: Orientations, kind: count }
  - { name: acceptees, label: Acceptées, kind: count }
  - { name: refusees, label: Refusées, kind: count }
  - { name: sans_reponse, label: Sans réponse, kind: count }
  - { name: taux_acceptation_pct, label: "Taux d'acceptation", kind: percentage, percent_scale: percent }
--- */
SELECT
  -- The type's full name (« Mission locale »), not its code (ML).
  coalesce(organisations.type_complet, candidatures.type_org_prescripteur) AS type_org_prescripteur,
  candidatures.origine,
  count(*) AS orientations,
  count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée') AS acceptees,
  count(*) FILTER (WHERE candidatures.etat = 'Candidature refusée') AS refusees,
  count(*) FILTER (WHERE candidatures.date_traitement IS NULL) AS sans_reponse,
  round(100.0 * count(*) FILTER (WHERE candidatures.etat = 'Candidature acceptée') / count(*), 1)
    AS taux_acceptation_pct
FROM entrepot.candidatures
LEFT JOIN entrepot.organisations ON organisations.id = candidatures.id_org_prescripteur
WHERE {{departement}}
  AND candidatures.origine IN ('Prescripteur habilité', 'Orienteur')
  [[AND {{periode}}]]
  [[AND {{type_org_prescripteur}}]]
GROUP BY 1, 2
ORDER BY orientations DESC, 1
