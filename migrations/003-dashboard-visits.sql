-- One row per dashboard page shown to a logged-in person (the service's StatsDashboardVisit), feeding
-- the staff usage page. Previews by staff are marked so they can be left out of usage figures.
CREATE TABLE dashboard_visits (
  id bigserial PRIMARY KEY,
  measured_at timestamptz NOT NULL DEFAULT now(),
  dashboard_key text NOT NULL,
  dashboard_id integer,
  user_sub text NOT NULL,
  profile_kind text NOT NULL,
  organisation_ref text NOT NULL,
  departements text[] NOT NULL DEFAULT '{}',
  region text,
  preview boolean NOT NULL DEFAULT false
);

CREATE INDEX dashboard_visits_by_time ON dashboard_visits (measured_at);
CREATE INDEX dashboard_visits_by_dashboard ON dashboard_visits (dashboard_key, measured_at);
