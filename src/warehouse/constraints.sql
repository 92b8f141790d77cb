-- Keys, foreign keys and indexes of the warehouse, applied once the tables are loaded: building them
-- after COPY is several times faster than checking them row by row during it.

ALTER TABLE entrepot.ref_region ADD PRIMARY KEY (code_region);
ALTER TABLE entrepot.ref_departement ADD PRIMARY KEY (code_departement);
ALTER TABLE entrepot.ref_bassin_emploi ADD PRIMARY KEY (code_bassin_emploi);
ALTER TABLE entrepot.ref_epci ADD PRIMARY KEY (code_epci);
ALTER TABLE entrepot.ref_commune ADD PRIMARY KEY (code_commune);
ALTER TABLE entrepot.structures ADD PRIMARY KEY (id);
ALTER TABLE entrepot.organisations ADD PRIMARY KEY (id);
ALTER TABLE entrepot.institutions ADD PRIMARY KEY (id);
ALTER TABLE entrepot.reseaux_adherents ADD PRIMARY KEY (id_institution, siret);
ALTER TABLE entrepot.candidats ADD PRIMARY KEY (id);
ALTER TABLE entrepot.candidatures ADD PRIMARY KEY (id);
ALTER TABLE entrepot.pass_iae ADD PRIMARY KEY (id);
ALTER TABLE entrepot.annexes_financieres ADD PRIMARY KEY (id_annexe_financiere);
ALTER TABLE entrepot.etats_mensuels_individuels ADD PRIMARY KEY (id_emi);
ALTER TABLE entrepot.esat ADD PRIMARY KEY (finess_num);
ALTER TABLE entrepot.esat_reponses ADD PRIMARY KEY (id_reponse);

ALTER TABLE entrepot.ref_departement
  ADD FOREIGN KEY (code_region) REFERENCES entrepot.ref_region (code_region);
ALTER TABLE entrepot.ref_commune
  ADD FOREIGN KEY (code_departement) REFERENCES entrepot.ref_departement (code_departement),
  ADD FOREIGN KEY (code_epci) REFERENCES entrepot.ref_epci (code_epci),
  ADD FOREIGN KEY (code_bassin_emploi) REFERENCES entrepot.ref_bassin_emploi (code_bassin_emploi);
ALTER TABLE entrepot.structures
  ADD FOREIGN KEY (departement) REFERENCES entrepot.ref_departement (code_departement),
  ADD FOREIGN KEY (code_commune) REFERENCES entrepot.ref_commune (code_commune),
  ADD FOREIGN KEY (id_structure_mere) REFERENCES entrepot.structures (id);
ALTER TABLE entrepot.organisations
  ADD FOREIGN KEY (departement) REFERENCES entrepot.ref_departement (code_departement);
ALTER TABLE entrepot.reseaux_adherents
  ADD FOREIGN KEY (id_institution) REFERENCES entrepot.institutions (id),
  ADD FOREIGN KEY (id_structure) REFERENCES entrepot.structures (id);
ALTER TABLE entrepot.candidats
  ADD FOREIGN KEY (id_org_diagnostic) REFERENCES entrepot.organisations (id),
  ADD FOREIGN KEY (id_structure_diagnostic) REFERENCES entrepot.structures (id);
ALTER TABLE entrepot.candidatures
  ADD FOREIGN KEY (id_candidat) REFERENCES entrepot.candidats (id),
  ADD FOREIGN KEY (id_structure) REFERENCES entrepot.structures (id),
  ADD FOREIGN KEY (id_org_prescripteur) REFERENCES entrepot.organisations (id);
ALTER TABLE entrepot.pass_iae
  ADD FOREIGN KEY (id_candidat) REFERENCES entrepot.candidats (id),
  ADD FOREIGN KEY (id_structure) REFERENCES entrepot.structures (id),
  ADD FOREIGN KEY (id_candidature) REFERENCES entrepot.candidatures (id);
ALTER TABLE entrepot.annexes_financieres
  ADD FOREIGN KEY (id_structure) REFERENCES entrepot.structures (id);
ALTER TABLE entrepot.etats_mensuels_individuels
  ADD FOREIGN KEY (id_annexe_financiere) REFERENCES entrepot.annexes_financieres (id_annexe_financiere);
ALTER TABLE entrepot.esat_reponses
  ADD FOREIGN KEY (finess_num) REFERENCES entrepot.esat (finess_num);

-- The columns locked filters bind to, and the usual join keys. A lock on a fact table comes with the
-- dashboard's period on the same rows: the two go in one index (lock first), so a département's page
-- reads the heap pages of its period only (`npm run bench -- pages` prints the plans and pages read).
CREATE INDEX ON entrepot.structures (departement);
CREATE INDEX ON entrepot.structures (siret);
CREATE INDEX ON entrepot.structures (id_asp);
CREATE INDEX ON entrepot.organisations (departement);
CREATE INDEX ON entrepot.organisations (siret);
CREATE INDEX ON entrepot.organisations (code_safir);
CREATE INDEX ON entrepot.institutions (siret);
CREATE INDEX ON entrepot.reseaux_adherents (id_structure);
CREATE INDEX ON entrepot.candidatures (departement_structure, date_candidature);
CREATE INDEX ON entrepot.candidatures (departement_org, date_candidature);
CREATE INDEX ON entrepot.candidatures (id_structure);
CREATE INDEX ON entrepot.candidatures (id_org_prescripteur);
CREATE INDEX ON entrepot.candidatures (id_candidat);
CREATE INDEX ON entrepot.pass_iae (departement_structure, date_debut);
CREATE INDEX ON entrepot.pass_iae (id_structure);
CREATE INDEX ON entrepot.annexes_financieres (departement_af);
CREATE INDEX ON entrepot.annexes_financieres (id_structure);
CREATE INDEX ON entrepot.etats_mensuels_individuels (id_annexe_financiere);
CREATE INDEX ON entrepot.etats_mensuels_individuels (departement_af, annee);
CREATE INDEX ON entrepot.etats_mensuels_individuels (id_structure);
CREATE INDEX ON entrepot.esat (departement);
CREATE INDEX ON entrepot.esat_reponses (departement);

-- Members (annuaire.sql): looked up by e-mail at each login.
ALTER TABLE annuaire.membres
  ADD FOREIGN KEY (id_structure) REFERENCES entrepot.structures (id),
  ADD FOREIGN KEY (id_organisation) REFERENCES entrepot.organisations (id),
  ADD FOREIGN KEY (id_institution) REFERENCES entrepot.institutions (id);
CREATE INDEX ON annuaire.membres (lower(email));
