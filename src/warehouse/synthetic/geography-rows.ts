import type { CopyValue, SyntheticWarehouse } from "./context.js";

/** Reference geography (@etalab/decoupage-administratif): régions, départements, bassins, EPCI, communes. */
export function* refRegions(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  for (const region of w.geo.regions) yield [region.code, region.nom];
}

export function* refDepartements(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  for (const d of w.geo.departements) yield [d.code, d.nom, d.libelle, d.codeRegion, d.nomRegion];
}

export function* refBassins(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  for (const b of w.geo.bassins) yield [b.code, b.nom, b.departement, b.codeRegion, true];
}

export function* refEpcis(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  for (const e of w.geo.epcis) yield [e.code, e.nom, e.nature];
}

export function* refCommunes(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  for (const c of w.geo.communes) {
    yield [
      c.code,
      c.nom,
      c.codePostal,
      c.departement,
      c.codeRegion,
      c.epci?.code ?? null,
      c.bassin.code,
      c.population,
    ];
  }
}
