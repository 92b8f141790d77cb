-- What `pilotage plan` needs to stay cheap and to tell drift from change (src/metabase/object-map.ts):
-- `applied_fingerprint` is a hash of the state `apply` last wrote for the object (references included), so
-- that a difference found later is known to come from an edit made in Metabase, not from the files;
-- `remote_marker` is the dashboard's change marker as Metabase's list endpoint showed it right after that
-- write (`updated_at` and the last revision's timestamp), so that an unchanged dashboard is not read again.
ALTER TABLE metabase_objects ADD COLUMN applied_fingerprint text;
ALTER TABLE metabase_objects ADD COLUMN remote_marker text;
