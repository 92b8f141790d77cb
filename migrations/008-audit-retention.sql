-- Retention of the audit log (« Données personnelles » page, `pilotage retention`). The log stays
-- append-only: after the retention period, a row keeps what was handed out (action, dashboard or question,
-- locked values, organisation, time) and loses who received it. The person's ProConnect `sub` becomes a
-- keyed pseudonym (the same person keeps the same pseudonym, so counts of distinct people still hold), the
-- e-mail and the free texts that may name someone are dropped.
--
-- Why pseudonymise rather than drop monthly partitions: the record of what each token and export carried
-- is the security trail (PRODUCT.md §3, invariant 5) and stays useful after the people's identities must go;
-- dropping partitions would erase both at once, and would turn `audit_log` into a partitioned table whose
-- future partitions someone must keep creating.

ALTER TABLE audit_log ADD COLUMN pseudonymised_at timestamptz;

-- The pseudonyms' key, drawn once per database. A pseudonym without it cannot be linked back to a `sub`
-- by trying known ones; whoever may read this table can, and should be the gateway's owner role only.
CREATE TABLE audit_pseudonym_key (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  secret text NOT NULL
);
INSERT INTO audit_pseudonym_key (secret)
  VALUES (md5(random()::text || clock_timestamp()::text) || md5(gen_random_uuid()::text));

CREATE FUNCTION audit_pseudonym(identity text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN identity IS NULL THEN NULL
    ELSE 'pseudonyme-' || left(encode(sha256(convert_to((SELECT secret FROM audit_pseudonym_key) || ':' || identity, 'UTF8')), 'hex'), 24)
  END
$$;

-- What `details` keeps: the people a grant or request is about by pseudonym (`subjectSub`, a re-binding's
-- `before.sub` and `after.sub`), without their e-mail or the free texts (a grant's note, a request's role).
CREATE FUNCTION audit_details_without_identity(details jsonb) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  kept jsonb := details - 'subjectEmail' - 'note' - 'role';
  path text[];
BEGIN
  FOREACH path SLICE 1 IN ARRAY ARRAY[ARRAY['subjectSub', NULL], ARRAY['before', 'sub'], ARRAY['after', 'sub']] LOOP
    path := array_remove(path, NULL);
    IF jsonb_typeof(kept #> path) = 'string' THEN
      kept := jsonb_set(kept, path, to_jsonb(audit_pseudonym(kept #>> path)));
    END IF;
  END LOOP;
  RETURN kept;
END;
$$;

-- The one UPDATE the log accepts: exactly this pseudonymisation, of a row at least 30 days old (a floor
-- below any retention period), inside audit_log_pseudonymise. Anything else is still refused.
CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND current_setting('pilotage.audit_retention', true) = 'on'
     AND OLD.pseudonymised_at IS NULL
     AND NEW.pseudonymised_at IS NOT NULL
     AND OLD.occurred_at < now() - interval '30 days'
     AND NEW.actor_email IS NULL
     AND NEW.actor_sub IS NOT DISTINCT FROM audit_pseudonym(OLD.actor_sub)
     AND NEW.details IS NOT DISTINCT FROM audit_details_without_identity(OLD.details)
     -- Every other column, those a later migration adds included, is left exactly as it was.
     AND to_jsonb(NEW) - 'actor_sub' - 'actor_email' - 'details' - 'pseudonymised_at'
         = to_jsonb(OLD) - 'actor_sub' - 'actor_email' - 'details' - 'pseudonymised_at'
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

-- Pseudonymises every row older than `before` (at least 30 days ago), and records that it did, in the log
-- itself. Returns the number of rows pseudonymised.
CREATE FUNCTION audit_log_pseudonymise(before timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  changed integer;
BEGIN
  IF before > now() - interval '30 days' THEN
    RAISE EXCEPTION 'audit_log_pseudonymise: % is less than 30 days ago', before;
  END IF;
  PERFORM set_config('pilotage.audit_retention', 'on', true);
  UPDATE audit_log
     SET actor_sub = audit_pseudonym(actor_sub),
         actor_email = NULL,
         details = audit_details_without_identity(details),
         pseudonymised_at = now()
   WHERE occurred_at < before AND pseudonymised_at IS NULL;
  GET DIAGNOSTICS changed = ROW_COUNT;
  PERFORM set_config('pilotage.audit_retention', 'off', true);
  INSERT INTO audit_log (action, resource_kind, details)
    VALUES ('audit.pseudonymised', 'audit_log', jsonb_build_object('before', before, 'rows', changed));
  RETURN changed;
END;
$$;
