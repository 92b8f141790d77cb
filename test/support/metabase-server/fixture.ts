/**
 * The small warehouse table the contract suite's field-filter tests run against (CI creates it in a
 * throw-away Postgres; the standalone server seeds it into PGlite; a live Metabase needs it created by hand,
 * see the README).
 */
export const FIXTURE_TABLE = "contract_structures";

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
`;
