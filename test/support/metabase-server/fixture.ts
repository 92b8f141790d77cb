/**
 * The small warehouse tables the contract suite runs against (CI creates them in a throw-away Postgres; the
 * standalone server seeds them into PGlite; a live Metabase needs them created by hand, see docs/metabase.md):
 * `contract_structures` for the embedding rules, `conformance_places` for the conformance table
 * (test/metabase-conformance/), shaped after the `venues` and `checkins` tables Metabase's own tests use.
 */
export const FIXTURE_TABLE = "contract_structures";
export const CONFORMANCE_TABLE = "conformance_places";

export const FIXTURE_SQL = `
  CREATE TABLE ${FIXTURE_TABLE} (
    id integer PRIMARY KEY,
    departement text NOT NULL,
    kind text NOT NULL,
    etp numeric(6, 2) NOT NULL,
    opened_on date NOT NULL
  );
  INSERT INTO ${FIXTURE_TABLE} VALUES
    (1, '93', 'ACI', 10.5, '2023-01-15'),
    (2, '93', 'EI', 3, '2023-06-01'),
    (3, '75', 'AI', 7.25, '2024-02-10'),
    (4, '33', 'ETTI', 2, '2024-09-30'),
    (5, '69', 'ACI', 4, '2025-03-03');

  CREATE TABLE ${CONFORMANCE_TABLE} (
    id integer PRIMARY KEY,
    name text NOT NULL,
    category text,
    price integer NOT NULL,
    score numeric(3, 1),
    opened_on date NOT NULL,
    checked_at timestamp NOT NULL
  );
  INSERT INTO ${CONFORMANCE_TABLE} VALUES
    (1, 'Red Medicine', 'Asian', 3, 4.5, '2016-05-31', '2016-06-06 23:30:00'),
    (2, 'Stout Burgers', 'Burger', 2, 3.0, '2016-06-01', '2016-06-07 00:00:00'),
    (3, 'The Apple Pan', 'Burger', 2, 4.0, '2016-06-06', '2016-06-07 11:00:00'),
    (4, 'Wurstküche', 'German', 2, NULL, '2016-06-07', '2016-06-07 12:00:00'),
    (5, 'Brite Spot', 'Diner', 2, 3.5, '2016-07-01', '2016-07-01 00:00:00'),
    (6, 'Yamashiro', 'Asian', 3, 4.0, '2016-07-02', '2016-07-01 23:59:59'),
    (7, 'Bludso''s', 'BBQ', 2, 3.5, '2016-08-01', '2016-08-01 10:20:00'),
    (8, 'Kinaree', 'Thai', 1, NULL, '2015-12-31', '2015-12-31 23:00:00'),
    (9, 'Señor Fish', NULL, 1, 2.5, '2016-01-01', '2016-03-31 12:00:00'),
    (10, 'In-N-Out', 'Burger', 1, 4.5, '2016-03-31', '2016-04-01 00:00:00');
`;
