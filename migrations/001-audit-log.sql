-- Append-only audit log: every embed token issued, every export, every placement decision and grant
-- change. The gateway only ever INSERTs here; the trigger refuses UPDATE and DELETE.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  actor_sub text,
  actor_email text,
  profile_kind text,
  organisation_id text,
  resource_kind text,
  resource_key text,
  resource_id text,
  locked_values jsonb NOT NULL DEFAULT '{}'::jsonb,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text
);

CREATE INDEX audit_log_action_time ON audit_log (action, occurred_at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
