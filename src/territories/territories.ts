import { createRequire } from "node:module";
import { z } from "zod";

/**
 * The official lists of régions and départements (INSEE codes), from @etalab/decoupage-administratif.
 * Only the 101 départements of metropolitan France and the DROM count as territories of the service;
 * the collectivités d'outre-mer are left out, as in the warehouse.
 */
const require = createRequire(import.meta.url);

const RawDepartement = z.looseObject({
  code: z.string(),
  nom: z.string(),
  region: z.string(),
  zone: z.string(),
});
const RawRegion = z.looseObject({ code: z.string(), nom: z.string(), zone: z.string() });

export interface Departement {
  code: string;
  nom: string;
  /** "93 - Seine-Saint-Denis": the label format les-emplois and the warehouse use in locked filters. */
  libelle: string;
  codeRegion: string;
}

export interface Region {
  code: string;
  nom: string;
  departements: string[];
}

const IN_SCOPE = new Set(["metro", "drom"]);

const rawDepartements = z
  .array(RawDepartement)
  .parse(require("@etalab/decoupage-administratif/data/departements.json"))
  .filter((d) => IN_SCOPE.has(d.zone));
const rawRegions = z
  .array(RawRegion)
  .parse(require("@etalab/decoupage-administratif/data/regions.json"))
  .filter((r) => IN_SCOPE.has(r.zone));

export const DEPARTEMENTS: readonly Departement[] = rawDepartements.map((d) => ({
  code: d.code,
  nom: d.nom,
  libelle: `${d.code} - ${d.nom}`,
  codeRegion: d.region,
}));

export const REGIONS: readonly Region[] = rawRegions.map((r) => ({
  code: r.code,
  nom: r.nom,
  departements: DEPARTEMENTS.filter((d) => d.codeRegion === r.code).map((d) => d.code),
}));

const departementsByCode = new Map(DEPARTEMENTS.map((d) => [d.code, d]));
const regionsByCode = new Map(REGIONS.map((r) => [r.code, r]));

export const ALL_DEPARTEMENT_CODES: readonly string[] = DEPARTEMENTS.map((d) => d.code);

export function findDepartement(code: string): Departement | undefined {
  return departementsByCode.get(code);
}

export function findRegion(code: string): Region | undefined {
  return regionsByCode.get(code);
}
