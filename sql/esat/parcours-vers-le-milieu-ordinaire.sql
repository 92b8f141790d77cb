/* ---
name: Parcours des travailleurs d'ESAT vers le milieu ordinaire
description: >
  Par millésime de l'enquête : travailleurs qui souhaitent travailler en milieu ordinaire, mises en
  situation professionnelle (PMSMP), mises à disposition, et sorties par destination.
collection: esat
display: bar
visualization:
  graph.dimensions: [millesime, etape]
  graph.metrics: [travailleurs]
parameters:
  departement:
    type: field filter
    column: entrepot.esat_reponses.libelle_departement
    label: Département
    required: true
    multiple: true
columns:
  - { name: millesime, label: "Année de l'enquête", kind: identifier }
  - { name: etape, label: Étape du parcours, kind: text }
  - { name: travailleurs, label: Travailleurs, kind: count }
--- */
SELECT
  millesime,
  etape,
  sum(valeur) AS travailleurs
FROM entrepot.esat_reponses
CROSS JOIN LATERAL (
  VALUES
    ('1. Souhaitent le milieu ordinaire', nb_souhait_milieu_ordinaire),
    ('2. PMSMP', nb_pmsmp),
    ('3. Mise à disposition', nb_mad_individuelle),
    ('4. Sortis vers une entreprise adaptée', nb_sorties_ea),
    ('5. Sortis vers un employeur privé', nb_sorties_prive),
    ('6. Sortis vers un employeur public', nb_sorties_public)
) AS etapes (etape, valeur)
WHERE {{departement}}
GROUP BY millesime, etape
ORDER BY millesime, etape
