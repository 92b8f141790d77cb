#!/usr/bin/env bash
# One Postgres server, three databases, five roles, every password from the environment (.env; see
# .env.example). Run once on an empty cluster: by the postgres image (docker-entrypoint-initdb.d, as its
# superuser, over its socket) and by `npm run stack` (scripts/stack/) on its own fresh cluster.
#
#   gateway          owns `gateway`: grants, audit log, visits, access requests (DATABASE_URL)
#   warehouse        owns `warehouse`: loads it (`pilotage seed`, or the data pipeline)
#   gateway_reader   reads `entrepot` and `annuaire` (members, personal data): the gateway's WAREHOUSE_URL
#   metabase_reader  reads `entrepot` only, never `annuaire`: the warehouse as Metabase connects to it
#   metabase         owns `metabase`, Metabase's application database
set -euo pipefail

for name in GATEWAY_DB_PASSWORD WAREHOUSE_DB_PASSWORD GATEWAY_READER_PASSWORD METABASE_READER_PASSWORD METABASE_DB_PASSWORD; do
  if [[ -z "${!name:-}" ]]; then
    echo "postgres-init: $name is empty: set it in .env (see .env.example), then recreate the postgres volume." >&2
    exit 1
  fi
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v gateway_password="$GATEWAY_DB_PASSWORD" \
  -v warehouse_password="$WAREHOUSE_DB_PASSWORD" \
  -v gateway_reader_password="$GATEWAY_READER_PASSWORD" \
  -v metabase_reader_password="$METABASE_READER_PASSWORD" \
  -v metabase_password="$METABASE_DB_PASSWORD" <<'SQL'
CREATE ROLE gateway LOGIN PASSWORD :'gateway_password';
CREATE ROLE warehouse LOGIN PASSWORD :'warehouse_password';
CREATE ROLE gateway_reader LOGIN PASSWORD :'gateway_reader_password';
CREATE ROLE metabase_reader LOGIN PASSWORD :'metabase_reader_password';
CREATE ROLE metabase LOGIN PASSWORD :'metabase_password';

CREATE DATABASE gateway OWNER gateway;
CREATE DATABASE warehouse OWNER warehouse;
CREATE DATABASE metabase OWNER metabase;
-- Every role may connect to every database by default (PUBLIC): only the owners, and the readers to the
-- warehouse, may.
REVOKE ALL ON DATABASE gateway, warehouse, metabase FROM PUBLIC;
GRANT CONNECT ON DATABASE warehouse TO gateway_reader, metabase_reader;

\connect warehouse
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- `pilotage seed` (and a pipeline that reloads a schema) drops and recreates `entrepot`, which drops its
-- grants with it: this trigger grants the readers each schema and table as it is created, whoever loads.
-- `annuaire` holds personal data: Metabase's role is never granted it (decision 6).
CREATE FUNCTION public.pilotage_grant_readers() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF created.object_type = 'schema' AND created.object_identity = 'entrepot' THEN
      GRANT USAGE ON SCHEMA entrepot TO gateway_reader, metabase_reader;
    ELSIF created.object_type = 'schema' AND created.object_identity = 'annuaire' THEN
      GRANT USAGE ON SCHEMA annuaire TO gateway_reader;
    ELSIF created.object_type IN ('table', 'view', 'materialized view') AND created.schema_name = 'entrepot' THEN
      EXECUTE format('GRANT SELECT ON %s TO gateway_reader, metabase_reader', created.object_identity);
    ELSIF created.object_type IN ('table', 'view', 'materialized view') AND created.schema_name = 'annuaire' THEN
      EXECUTE format('GRANT SELECT ON %s TO gateway_reader', created.object_identity);
    END IF;
  END LOOP;
END;
$$;
CREATE EVENT TRIGGER pilotage_grant_readers ON ddl_command_end
  WHEN TAG IN ('CREATE SCHEMA', 'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'CREATE VIEW', 'CREATE MATERIALIZED VIEW')
  EXECUTE FUNCTION public.pilotage_grant_readers();
SQL
echo "postgres-init: databases gateway, warehouse, metabase and their five roles created." >&2
