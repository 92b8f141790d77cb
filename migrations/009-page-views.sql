-- Weekly counts of pages seen, with nothing about the person who saw them: public dashboards and notes
-- d'analyse, read without login or signed in. The gateway counts in memory and adds its counts in one
-- statement every few seconds (src/audit/page-views.ts), never one INSERT per view.
CREATE TABLE page_views (
  -- The Monday of the week, in Europe/Paris.
  week date NOT NULL,
  resource_kind text NOT NULL,
  resource_key text NOT NULL,
  signed_in boolean NOT NULL,
  views bigint NOT NULL,
  PRIMARY KEY (week, resource_kind, resource_key, signed_in),
  CONSTRAINT page_views_kind CHECK (resource_kind IN ('dashboard', 'note')),
  CONSTRAINT page_views_positive CHECK (views > 0)
);
