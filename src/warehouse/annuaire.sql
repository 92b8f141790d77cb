-- Les emplois' members: who belongs to which structure, prescriber organisation or institution. Personal
-- data (e-mail addresses), kept apart from `entrepot` in its own schema so that the read-only role of
-- Metabase is never granted it (docs/warehouse.md, "Who may read what"): only the gateway reads it, to
-- confirm a ProConnect login's SIRET with a second signal (docs/security.md, "Perimeters").
--
-- Loaded by `pilotage seed` with synthetic members, by the data pipeline with les emplois' own.
-- Keys, foreign keys and indexes are in constraints.sql.

CREATE SCHEMA annuaire;
COMMENT ON SCHEMA annuaire IS
  'Membres des structures, organisations et institutions (données personnelles : jamais accordé au lecteur de Metabase).';

CREATE TABLE annuaire.membres (
  -- As les emplois holds it; compared lower-cased (an index on lower(email) serves the lookup).
  email text NOT NULL,
  id_structure integer,
  id_organisation integer,
  id_institution integer,
  -- 'administrateur' or 'membre', as in les emplois.
  role text NOT NULL,
  depuis date NOT NULL,
  CONSTRAINT membres_une_seule_organisation
    CHECK (num_nonnulls(id_structure, id_organisation, id_institution) = 1)
);
