-- Explicit grants managed by staff (email or ProConnect sub → profile), and access requests from people
-- the gateway could not place.
CREATE TABLE grants (
  id bigserial PRIMARY KEY,
  subject_sub text,
  subject_email text,
  kind text NOT NULL,
  organisation_label text NOT NULL,
  perimeter jsonb NOT NULL,
  valid_from timestamptz NOT NULL DEFAULT now(),
  valid_until timestamptz,
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by text,
  note text,
  CONSTRAINT grants_subject CHECK (subject_sub IS NOT NULL OR subject_email IS NOT NULL),
  CONSTRAINT grants_email_lower CHECK (subject_email = lower(subject_email))
);

CREATE INDEX grants_by_sub ON grants (subject_sub);
CREATE INDEX grants_by_email ON grants (subject_email);

CREATE TABLE access_requests (
  id bigserial PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now(),
  sub text NOT NULL,
  email text NOT NULL,
  given_name text,
  usual_name text,
  siret text,
  organisation_label text,
  organisation text NOT NULL,
  role text NOT NULL,
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  decided_at timestamptz,
  decided_by text,
  decision_note text,
  grant_id bigint REFERENCES grants (id),
  CONSTRAINT access_requests_status CHECK (status IN ('pending', 'approved', 'refused'))
);

CREATE INDEX access_requests_pending ON access_requests (status, requested_at);
