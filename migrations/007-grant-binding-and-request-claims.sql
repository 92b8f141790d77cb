-- Grants bind to the ProConnect account that first uses them: its `sub` (subject_sub, already there)
-- and its identity provider (`idp_id`), so that an e-mail address sent by another provider never
-- inherits a grant. A grant created for an e-mail stays unbound (subject_sub NULL) until then; staff
-- can re-bind one when the person's `sub` changes with their provider (proconnect.md §1.4).
ALTER TABLE grants
  ADD COLUMN bound_idp_id text,
  ADD COLUMN bound_at timestamptz;

-- Staff deciding a request see the claims it came with: the identity provider beside the SIRET and
-- the e-mail already kept.
ALTER TABLE access_requests ADD COLUMN idp_id text;

-- One pending request per person: older duplicates are closed, the newest kept.
UPDATE access_requests
   SET status = 'refused', decided_at = now(), decided_by = 'migration',
       decision_note = 'Demande en double, remplacée par une plus récente.'
 WHERE status = 'pending'
   AND id NOT IN (SELECT max(id) FROM access_requests WHERE status = 'pending' GROUP BY sub);
CREATE UNIQUE INDEX access_requests_one_pending ON access_requests (sub) WHERE status = 'pending';
