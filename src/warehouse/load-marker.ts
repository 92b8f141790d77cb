import { refreshedRead } from "../cache/refreshed-read.js";
import type { Queryable } from "../storage/database.js";
import { WAREHOUSE_SCHEMA } from "./tables.js";

/**
 * The warehouse's load marker (`entrepot.chargements`, one row per load, the newest one counts): up to
 * which day the data goes, and which load it is. Pages print the cut-off date (« Données arrêtées au … »),
 * relative periods count back from it, and the result cache keys on the data version, so that a new load
 * can never be answered from the figures of the previous one.
 *
 * The real pipeline writes it with one statement at the end of each load (docs/warehouse.md); `pilotage
 * seed` writes it for the synthetic data.
 */
export interface LoadMarker {
  /** Opaque, different for every load. */
  dataVersion: string;
  /** The last day the data covers, `YYYY-MM-DD`. */
  cutoffDate: string;
  /** Where the data comes from, as shown to readers. */
  source: string;
  loadedAt: Date;
}

export const LOAD_MARKER_TABLE = `${WAREHOUSE_SCHEMA}.chargements`;
export const SYNTHETIC_SOURCE =
  "Données synthétiques de démonstration (pilotage seed), à l'image des emplois de l'inclusion et de l'ASP";

const UNDEFINED_TABLE = "42P01";

/** The newest load, or undefined when the warehouse has none (no table, or no row yet). */
export async function readLoadMarker(db: Queryable): Promise<LoadMarker | undefined> {
  try {
    const { rows } = await db.query<{
      version_donnees: string;
      date_arret: string;
      source: string;
      charge_le: Date | string;
    }>(
      `SELECT version_donnees, date_arret::text AS date_arret, source, charge_le
         FROM ${LOAD_MARKER_TABLE} ORDER BY charge_le DESC, version_donnees DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      dataVersion: row.version_donnees,
      cutoffDate: row.date_arret,
      source: row.source,
      loadedAt: new Date(row.charge_le),
    };
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === UNDEFINED_TABLE) return undefined;
    throw error;
  }
}

export async function writeLoadMarker(
  db: Queryable,
  marker: Pick<LoadMarker, "dataVersion" | "cutoffDate" | "source">,
): Promise<void> {
  await db.query(
    `INSERT INTO ${LOAD_MARKER_TABLE} (version_donnees, date_arret, source, charge_le) VALUES ($1, $2, $3, clock_timestamp())`,
    [marker.dataVersion, marker.cutoffDate, marker.source],
  );
}

export interface LoadMarkerReader {
  /** The newest load as read at most `refreshMs` ago; one read in flight at a time. */
  current(): Promise<LoadMarker | undefined>;
  /** Forgets what was read (tests, `pilotage cache purge`). */
  invalidate(): void;
}

/**
 * Reads the marker once per short interval, not per page: a load lands at most `refreshMs` late on the
 * pages and in the cache key. A failed read is not cached (the next request tries again) and is thrown.
 */
export function createLoadMarkerReader(options: {
  warehouse: Queryable;
  refreshMs?: number;
  now?: () => number;
}): LoadMarkerReader {
  return refreshedRead(() => readLoadMarker(options.warehouse), {
    refreshMs: options.refreshMs ?? 30_000,
    ...(options.now ? { now: options.now } : {}),
  });
}
