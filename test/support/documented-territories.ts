import type { Perimeter } from "../../src/perimeter/lock-values.js";
import type { Queryable } from "../../src/storage/database.js";

/**
 * The bassins d'emploi a documented perimeter's bassin lock holds (issue 19), read with this file's own
 * SQL from the warehouse's reference tables rather than through src/territories (the code under test):
 * every bassin with a commune in those départements, by name as the French read it.
 */
export async function documentedBassins(
  warehouse: Queryable,
  departements: readonly string[],
): Promise<string[]> {
  const { rows } = await warehouse.query(
    `SELECT DISTINCT b.code_bassin_emploi AS code, b.nom_bassin_emploi AS nom
       FROM entrepot.ref_commune c
       JOIN entrepot.ref_bassin_emploi b ON b.code_bassin_emploi = c.code_bassin_emploi
      WHERE c.code_departement::text = ANY($1::text[])`,
    [[...departements]],
  );
  const named = rows.map((r) => ({ code: String(r.code).trim(), nom: String(r.nom) }));
  named.sort(
    (a, b) =>
      a.nom.localeCompare(b.nom, "fr", { sensitivity: "base", numeric: true }) || (a.code < b.code ? -1 : 1),
  );
  return named.map((b) => b.code);
}

/** The départements a bassin has communes in, sorted (a straddling bassin has several). */
export async function departementsOfBassin(warehouse: Queryable, bassin: string): Promise<string[]> {
  const { rows } = await warehouse.query(
    `SELECT DISTINCT code_departement::text AS d FROM entrepot.ref_commune WHERE code_bassin_emploi = $1
      ORDER BY 1`,
    [bassin],
  );
  return rows.map((r) => String(r.d));
}

/** The EPCI with a commune in this département, by name (the EPCI lock exists for one département only). */
export async function documentedEpcis(warehouse: Queryable, departement: string): Promise<string[]> {
  const { rows } = await warehouse.query(
    `SELECT DISTINCT e.code_epci AS code, e.nom_epci AS nom
       FROM entrepot.ref_commune c
       JOIN entrepot.ref_epci e ON e.code_epci = c.code_epci
      WHERE c.code_departement::text = $1`,
    [departement],
  );
  const named = rows.map((r) => ({ code: String(r.code).trim(), nom: String(r.nom) }));
  named.sort(
    (a, b) =>
      a.nom.localeCompare(b.nom, "fr", { sensitivity: "base", numeric: true }) || (a.code < b.code ? -1 : 1),
  );
  return named.map((e) => e.code);
}

/**
 * A documented profile with the bassins and EPCI its départements give it (PRODUCT.md §3 as amended by
 * issue 19), so that the oracle's `documentedLock` can answer the bassin and EPCI locks.
 */
export async function withDocumentedTerritories<P extends { perimeter: Perimeter } | null>(
  profile: P,
  warehouse: Queryable,
): Promise<P> {
  if (profile === null) return profile;
  const departements = profile.perimeter.departements ?? [];
  if (departements.length === 0) return profile;
  const bassins = await documentedBassins(warehouse, departements);
  const epci = departements.length === 1 ? await documentedEpcis(warehouse, departements[0]!) : [];
  return {
    ...profile,
    perimeter: {
      ...profile.perimeter,
      ...(bassins.length > 0 ? { bassins } : {}),
      ...(epci.length > 0 ? { epci } : {}),
    },
  };
}
