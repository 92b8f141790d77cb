import { candidatRows, candidatureRows } from "./synthetic/applications.js";
import { SyntheticWarehouse, type CopyValue } from "./synthetic/context.js";
import { esatAnswerRows, esatRows } from "./synthetic/esat.js";
import { annexeRows, monthlyStatementRows } from "./synthetic/etp.js";
import {
  refBassins,
  refCommunes,
  refDepartements,
  refEpcis,
  refRegions,
} from "./synthetic/geography-rows.js";
import { institutionRows, networkRows } from "./synthetic/institutions.js";
import { memberRows } from "./synthetic/members.js";
import { organisationRows } from "./synthetic/organisations.js";
import { passRows } from "./synthetic/pass-iae.js";
import { structureRows } from "./synthetic/structures.js";
import {
  ANNUAIRE_SCHEMA,
  MEMBERS_TABLE,
  WAREHOUSE_SCHEMA,
  WAREHOUSE_TABLES,
  type WarehouseTable,
} from "./tables.js";

/**
 * The synthetic warehouse: every row of every table, from a seed and a scale, without I/O. Shaped on
 * the service's data (les-emplois-stats.md, "Realistic schema" and "Synthetic-data tips"): weights per
 * département, France Travail's SAFIR hierarchy, antennas sharing a convention, cross-border and
 * auto-prescribed applications, annexes over two years, FDI annexes, expired PASS, and the organisations
 * behind the demo accounts. One file of src/warehouse/synthetic/ per family of tables.
 *
 * Tables must be read in load order: each one builds on what the previous ones drew.
 */

export { REFERENCE_DATE, type CopyValue } from "./synthetic/context.js";

/** Bump when the generator changes what it produces for a given seed (the demo re-seeds on a mismatch). */
export const GENERATOR_VERSION = 3;

export const DEFAULT_SEED = "pilotage";

export interface GeneratedTable {
  /** `entrepot`, or `annuaire` for the members. */
  schema: string;
  table: WarehouseTable;
  /** Lazily drawn rows, in the column order of `table.columns`. */
  rows(): Iterable<CopyValue[]>;
}

export interface GenerateOptions {
  seed: string;
  /** 1 is a few hundred thousand rows; volumes grow linearly with it. */
  scale: number;
}

type Generator = (w: SyntheticWarehouse) => Iterable<CopyValue[]>;

const GENERATORS: Record<string, Generator> = {
  ref_region: refRegions,
  ref_departement: refDepartements,
  ref_bassin_emploi: refBassins,
  ref_epci: refEpcis,
  ref_commune: refCommunes,
  structures: structureRows,
  organisations: organisationRows,
  institutions: institutionRows,
  reseaux_adherents: networkRows,
  candidats: candidatRows,
  candidatures: candidatureRows,
  pass_iae: passRows,
  annexes_financieres: annexeRows,
  etats_mensuels_individuels: monthlyStatementRows,
  esat: esatRows,
  esat_reponses: esatAnswerRows,
};

/** Every table in load order: the warehouse's, then les emplois' members (which refer to them). */
export function generateWarehouse(options: GenerateOptions): GeneratedTable[] {
  const w = new SyntheticWarehouse(options);
  const tables = WAREHOUSE_TABLES.map((table): GeneratedTable => {
    const generate = GENERATORS[table.name];
    if (!generate) throw new Error(`no generator for table ${table.name}`);
    return { schema: WAREHOUSE_SCHEMA, table, rows: () => generate(w) };
  });
  return [...tables, { schema: ANNUAIRE_SCHEMA, table: MEMBERS_TABLE, rows: () => memberRows(w) }];
}
