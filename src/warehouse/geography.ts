import { createRequire } from "node:module";
import { z } from "zod";
import { DEPARTEMENTS, REGIONS } from "../territories/territories.js";
import { WeightedPicker } from "./random.js";

/**
 * The geography of the synthetic warehouse: the official régions, départements, communes and EPCI of
 * @etalab/decoupage-administratif, synthetic bassins d'emploi (the communes of one arrondissement), and
 * how much IAE activity each département gets.
 */
const require = createRequire(import.meta.url);

const RawCommune = z.looseObject({
  code: z.string(),
  nom: z.string(),
  type: z.string(),
  departement: z.string().optional(),
  arrondissement: z.string().optional(),
  codesPostaux: z.array(z.string()).optional(),
  population: z.number().optional(),
});
const RawEpci = z.looseObject({
  code: z.string(),
  nom: z.string(),
  type: z.string(),
  membres: z.array(z.looseObject({ code: z.string() })),
});
const RawNamed = z.looseObject({ code: z.string(), typeLiaison: z.number() });

export interface Commune {
  code: string;
  nom: string;
  codePostal: string | null;
  departement: string;
  codeRegion: string | null;
  epci: Epci | null;
  bassin: Bassin;
  population: number;
}

export interface Epci {
  code: string;
  nom: string;
  nature: string;
}

export interface Bassin {
  code: string;
  nom: string;
  departement: string;
  codeRegion: string | null;
}

export interface GeoDepartement {
  code: string;
  nom: string;
  /** "93 - Seine-Saint-Denis". */
  libelle: string;
  codeRegion: string | null;
  nomRegion: string;
  /** "de la Seine-Saint-Denis", "du Rhône", "de l'Ain": for names like "DDETS de la Gironde". */
  deNom: string;
  /** Relative volume of IAE activity (structures, candidates, prescribers). */
  weight: number;
  communes: Commune[];
  communePicker: WeightedPicker<Commune>;
  /** The most populous commune, where a département's head offices go. */
  chefLieu: Commune;
}

export interface GeoRegion {
  code: string;
  nom: string;
  deNom: string;
  departements: GeoDepartement[];
  chefLieuDepartement: string;
}

export interface Geography {
  regions: GeoRegion[];
  /** The 101 départements of the service, then 975 (Saint-Pierre-et-Miquelon), which belongs to no région. */
  departements: GeoDepartement[];
  departement(code: string): GeoDepartement;
  region(code: string): GeoRegion;
  epcis: Epci[];
  bassins: Bassin[];
  communes: Commune[];
  departementPicker: WeightedPicker<GeoDepartement>;
}

/**
 * Real bassins d'emploi (INSEE zones d'emploi) often straddle départements, and so do 89 EPCI: one
 * synthetic bassin does too, so that narrowing and locks are tested on a territory split by the
 * département lock. The arrondissement of Nogent-sur-Marne (94) joins the bassin of the arrondissement of
 * Le Raincy (93), its neighbour across the Marne; the bassin keeps its 93 code.
 */
const STRADDLING_BASSIN = new Map([["94:942", "93:932"]]);

/** Saint-Pierre-et-Miquelon: listed by les-emplois (a "collectivité d'outre-mer"), outside every région. */
export const SAINT_PIERRE_ET_MIQUELON = "975";
export const COLLECTIVITES_OUTRE_MER = "Collectivités d'outre-mer";

/**
 * IAE activity is denser than population alone says in poorer and overseas départements and thinner
 * in the richest ones; these factors tilt the population weights that way.
 */
const ACTIVITY_FACTORS: Record<string, number> = {
  "93": 1.5,
  "59": 1.4,
  "62": 1.4,
  "13": 1.2,
  "02": 1.3,
  "08": 1.3,
  "11": 1.3,
  "30": 1.2,
  "66": 1.3,
  "971": 1.6,
  "972": 1.6,
  "973": 1.6,
  "974": 1.6,
  "976": 1.4,
  "75": 0.7,
  "92": 0.6,
  "78": 0.7,
  "74": 0.7,
  "01": 0.8,
  "975": 0.3,
};

const CHARNIERE = ["de ", "d'", "du ", "de la ", "des ", "de l'", "des ", "de las ", "de los "];

function deNom(nom: string, typeLiaison: number | undefined): string {
  return `${CHARNIERE[typeLiaison ?? 0] ?? "de "}${nom}`;
}

let cached: Geography | undefined;

/** Loaded once per process (a few hundred milliseconds: 35 000 communes). */
export function loadGeography(): Geography {
  cached ??= buildGeography();
  return cached;
}

function buildGeography(): Geography {
  const liaisonDepartements = new Map(
    z
      .array(RawNamed)
      .parse(require("@etalab/decoupage-administratif/data/departements.json"))
      .map((d) => [d.code, d.typeLiaison]),
  );
  const liaisonRegions = new Map(
    z
      .array(RawNamed)
      .parse(require("@etalab/decoupage-administratif/data/regions.json"))
      .map((r) => [r.code, r.typeLiaison]),
  );

  const departementList = [
    ...DEPARTEMENTS.map((d) => ({ code: d.code, nom: d.nom, codeRegion: d.codeRegion as string | null })),
    { code: SAINT_PIERRE_ET_MIQUELON, nom: "Saint-Pierre-et-Miquelon", codeRegion: null },
  ];
  const regionNames = new Map(REGIONS.map((r) => [r.code, r.nom]));
  const inScope = new Set(departementList.map((d) => d.code));

  const epcis = z
    .array(RawEpci)
    .parse(require("@etalab/decoupage-administratif/data/epci.json"))
    .map((e) => ({
      epci: { code: e.code, nom: e.nom, nature: e.type },
      membres: e.membres.map((m) => m.code),
    }));
  const epciOfCommune = new Map<string, Epci>();
  for (const { epci, membres } of epcis) for (const code of membres) epciOfCommune.set(code, epci);

  const rawCommunes = z
    .array(RawCommune)
    .parse(require("@etalab/decoupage-administratif/data/communes.json"))
    .filter(
      (c) => c.type === "commune-actuelle" && c.departement !== undefined && inScope.has(c.departement),
    );

  // Bassins: the communes of one arrondissement (or of a whole département that has none, like
  // Mayotte), named after their most populous commune.
  const groups = new Map<string, typeof rawCommunes>();
  for (const commune of rawCommunes) {
    const own = `${commune.departement}:${commune.arrondissement ?? "-"}`;
    const key = STRADDLING_BASSIN.get(own) ?? own;
    const group = groups.get(key);
    if (group) group.push(commune);
    else groups.set(key, [commune]);
  }
  const bassinOfCommune = new Map<string, Bassin>();
  const bassins: Bassin[] = [];
  const perDepartement = new Map<string, number>();
  const regionOf = new Map(departementList.map((d) => [d.code, d.codeRegion]));
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!;
    const departement = members[0]!.departement!;
    const index = (perDepartement.get(departement) ?? 0) + 1;
    perDepartement.set(departement, index);
    const largest = members.reduce((a, b) => ((b.population ?? 0) > (a.population ?? 0) ? b : a));
    const bassin: Bassin = {
      code: `${departement}${String(index).padStart(2, "0")}`,
      nom: `Bassin ${deNom(largest.nom, undefined).replace(/^de ([AEIOUYÉÈÊÎÏÔÂH])/u, "d'$1")}`,
      departement,
      codeRegion: regionOf.get(departement) ?? null,
    };
    bassins.push(bassin);
    for (const commune of members) bassinOfCommune.set(commune.code, bassin);
  }

  const communes: Commune[] = rawCommunes.map((c) => ({
    code: c.code,
    nom: c.nom,
    codePostal: c.codesPostaux?.[0] ?? null,
    departement: c.departement!,
    codeRegion: regionOf.get(c.departement!) ?? null,
    epci: epciOfCommune.get(c.code) ?? null,
    bassin: bassinOfCommune.get(c.code)!,
    population: c.population ?? 0,
  }));
  const communesByDepartement = new Map<string, Commune[]>();
  for (const commune of communes) {
    const list = communesByDepartement.get(commune.departement);
    if (list) list.push(commune);
    else communesByDepartement.set(commune.departement, [commune]);
  }

  const departements: GeoDepartement[] = departementList.map((d) => {
    const list = communesByDepartement.get(d.code) ?? [];
    if (list.length === 0) throw new Error(`no commune for département ${d.code}`);
    const population = list.reduce((sum, c) => sum + c.population, 0);
    return {
      code: d.code,
      nom: d.nom,
      libelle: `${d.code} - ${d.nom}`,
      codeRegion: d.codeRegion,
      nomRegion: d.codeRegion ? regionNames.get(d.codeRegion)! : COLLECTIVITES_OUTRE_MER,
      deNom: deNom(d.nom, liaisonDepartements.get(d.code)),
      weight: Math.round((population / 1000 + 200) * (ACTIVITY_FACTORS[d.code] ?? 1)),
      communes: list,
      // Small communes still host structures now and then: a floor on their weight.
      communePicker: new WeightedPicker(
        list,
        list.map((c) => c.population + 300),
      ),
      chefLieu: list.reduce((a, b) => (b.population > a.population ? b : a)),
    };
  });
  const departementsByCode = new Map(departements.map((d) => [d.code, d]));
  const regions: GeoRegion[] = REGIONS.map((r) => {
    const members = r.departements.map((code) => departementsByCode.get(code)!);
    return {
      code: r.code,
      nom: r.nom,
      deNom: deNom(r.nom, liaisonRegions.get(r.code)),
      departements: members,
      chefLieuDepartement: members.reduce((a, b) => (b.weight > a.weight ? b : a)).code,
    };
  });
  const regionsByCode = new Map(regions.map((r) => [r.code, r]));

  return {
    regions,
    departements,
    departement(code) {
      const found = departementsByCode.get(code);
      if (!found) throw new Error(`unknown département ${code}`);
      return found;
    },
    region(code) {
      const found = regionsByCode.get(code);
      if (!found) throw new Error(`unknown région ${code}`);
      return found;
    },
    epcis: epcis.map((e) => e.epci),
    bassins,
    communes,
    departementPicker: new WeightedPicker(
      departements,
      departements.map((d) => d.weight),
    ),
  };
}
