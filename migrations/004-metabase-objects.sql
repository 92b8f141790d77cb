-- The key → Metabase id mapping written by `pilotage apply`, read by the gateway (which never holds an
-- admin API key). `verified_at` and `verified_version` record the last read-back that found the
-- dashboard's lock contract intact in Metabase; the gateway signs no token for a dashboard whose current
-- definition was not verified.
CREATE TABLE metabase_objects (
  model text NOT NULL,
  key text NOT NULL,
  metabase_id integer NOT NULL,
  entity_id text,
  content_version text NOT NULL,
  embedding_params jsonb NOT NULL DEFAULT '{}'::jsonb,
  verified_at timestamptz,
  verified_version text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, key),
  CONSTRAINT metabase_objects_model CHECK (model IN ('collection', 'card', 'dashboard'))
);
