import { z } from "zod";
import { refreshedRead } from "../cache/refreshed-read.js";
import type { Queryable } from "../storage/database.js";

/**
 * The bassins d'emploi and EPCI a viewer may narrow to (issue 19), read from the warehouse's reference
 * tables (entrepot.ref_bassin_emploi, ref_epci, and ref_commune for which départements each one covers,
 * since both may straddle départements). Read once per interval, not per page.
 */

export interface TerritoryUnit {
  code: string;
  nom: string;
  /** Every département holding one of its communes, sorted. */
  departements: readonly string[];
}

export interface TerritoryReference {
  bassins: readonly TerritoryUnit[];
  epcis: readonly TerritoryUnit[];
  bassin(code: string): TerritoryUnit | undefined;
  epci(code: string): TerritoryUnit | undefined;
  /** The bassins with at least one commune in these départements, by name. */
  bassinsOf(departements: readonly string[]): TerritoryUnit[];
  /** The EPCI with at least one commune in this département, by name. */
  epcisOf(departement: string): TerritoryUnit[];
}

const UnitRow = z
  .object({ code: z.string(), nom: z.string(), departements: z.array(z.string()) })
  .transform((r) => ({ code: r.code.trim(), nom: r.nom, departements: r.departements }));

/** Distinct sets of départements whose bassins are remembered, at most. */
const MEMO_LIMIT = 1000;

const collator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });

export function territoryReference(bassins: TerritoryUnit[], epcis: TerritoryUnit[]): TerritoryReference {
  // By name, then code: two bassins may share a name (Saint-Denis, 93 and 974), and a token's lock
  // values must come out in the same order every time.
  const sorted = (units: TerritoryUnit[]) =>
    [...units].sort(
      (a, b) => collator.compare(a.nom, b.nom) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
    );
  const bassinsByCode = new Map(bassins.map((b) => [b.code, b]));
  const epcisByCode = new Map(epcis.map((e) => [e.code, e]));
  const epcisByDepartement = new Map<string, TerritoryUnit[]>();
  for (const epci of sorted(epcis)) {
    for (const d of epci.departements)
      epcisByDepartement.set(d, [...(epcisByDepartement.get(d) ?? []), epci]);
  }
  const allBassins = sorted(bassins);
  // Asked on every logged-in request (the perimeter's bassins): a handful of distinct perimeters, each
  // filtered once. Bounded all the same, in case of a great many staff previews.
  const bassinsByDepartements = new Map<string, TerritoryUnit[]>();
  return {
    bassins: allBassins,
    epcis: sorted(epcis),
    bassin: (code) => bassinsByCode.get(code),
    epci: (code) => epcisByCode.get(code),
    bassinsOf(departements) {
      const key = departements.join(",");
      let found = bassinsByDepartements.get(key);
      if (!found) {
        const wanted = new Set(departements);
        found = allBassins.filter((b) => b.departements.some((d) => wanted.has(d)));
        if (bassinsByDepartements.size >= MEMO_LIMIT) bassinsByDepartements.clear();
        bassinsByDepartements.set(key, found);
      }
      return found;
    },
    epcisOf: (departement) => epcisByDepartement.get(departement) ?? [],
  };
}

/** The units of one reference table, each with the départements its communes lie in. */
async function unitsOf(
  warehouse: Queryable,
  table: string,
  code: string,
  name: string,
): Promise<TerritoryUnit[]> {
  const { rows } = await warehouse.query(
    `SELECT u.${code} AS code, u.${name} AS nom,
            array_agg(DISTINCT c.code_departement::text ORDER BY c.code_departement::text) AS departements
       FROM entrepot.${table} u
       JOIN entrepot.ref_commune c ON c.${code} = u.${code}
      GROUP BY 1, 2`,
  );
  return rows.map((r) => UnitRow.parse(r));
}

export async function readTerritoryReference(warehouse: Queryable): Promise<TerritoryReference> {
  const [bassins, epcis] = await Promise.all([
    unitsOf(warehouse, "ref_bassin_emploi", "code_bassin_emploi", "nom_bassin_emploi"),
    unitsOf(warehouse, "ref_epci", "code_epci", "nom_epci"),
  ]);
  return territoryReference(bassins, epcis);
}

export interface TerritoryReferenceReader {
  /** The reference as read at most `refreshMs` ago; one read in flight at a time. */
  current(): Promise<TerritoryReference>;
}

export function createTerritoryReferenceReader(options: {
  warehouse: Queryable;
  refreshMs?: number;
  now?: () => number;
}): TerritoryReferenceReader {
  // A reference changes with a load, not between two requests: the last good reading stands while the
  // warehouse does not answer, rather than failing every logged-in request.
  const reference = refreshedRead(() => readTerritoryReference(options.warehouse), {
    refreshMs: options.refreshMs ?? 600_000,
    ...(options.now ? { now: options.now } : {}),
    keepLastGood: true,
  });
  return { current: () => reference.current() };
}
