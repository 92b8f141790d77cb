import { DEMO_INSTITUTIONS } from "../../demo/accounts.js";
import { dayOf, isoOf } from "../calendar.js";
import { DEMO_STRUCTURES, FIRST_GENERATED_ID } from "../demo-rows.js";
import { IAE, type CopyValue, type SyntheticWarehouse } from "./context.js";
import { buildStructures } from "./structures.js";

/**
 * State services (a DDETS per département, a DREETS per région, the DGEFP, and other kinds that place
 * nobody) and the réseaux IAE with their member structures.
 */
export function* institutionRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  for (const row of drawInstitutions(w)) {
    // The members' generator gives each institution its people.
    w.institutions.push({ id: Number(row[0]), type: String(row[1]), nom: String(row[2]) });
    yield row;
  }
}

function* drawInstitutions(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("institutions");
  const stateSiret = () => w.siret(w.newSiren(rng, "130").slice(0, 9), rng.int(1, 60));
  const dept = (code: string) => {
    const d = w.geo.departement(code);
    return [d.code, d.libelle, d.codeRegion, d.nomRegion] as const;
  };
  const region = (code: string) => [null, null, code, w.geo.region(code).nom] as const;
  const national = [null, null, null, null] as const;
  const { ddets93, dreetsIdf, dgefp, reseau } = DEMO_INSTITUTIONS;

  yield [ddets93.id, ddets93.type, ddets93.nom, ddets93.siret, ...dept(ddets93.departement)];
  yield [dreetsIdf.id, dreetsIdf.type, dreetsIdf.nom, dreetsIdf.siret, ...region(dreetsIdf.codeRegion)];
  yield [dgefp.id, dgefp.type, dgefp.nom, dgefp.siret, ...national];
  yield [reseau.id, reseau.type, reseau.nom, reseau.siret, ...national];

  let nextId: number = FIRST_GENERATED_ID.institution;
  for (const d of w.geo.departements) {
    if (d.codeRegion === null || d.code === ddets93.departement) continue;
    const prefix = d.code.length === 3 ? "DEETS" : "DDETS";
    yield [nextId++, "DDETS IAE", `${prefix} ${d.deNom}`, stateSiret(), ...dept(d.code)];
  }
  nextId = 700;
  for (const d of w.geo.departements.filter((x) => x.codeRegion !== null && x.code.length === 2)) {
    if (!rng.chance(0.2)) continue;
    yield [nextId++, "DDETS LOG", `DDETS ${d.deNom} (logement)`, stateSiret(), ...dept(d.code)];
  }
  nextId = 800;
  for (const r of w.geo.regions) {
    if (r.code === dreetsIdf.codeRegion) continue;
    const prefix = r.departements.length === 1 ? "DEETS" : "DREETS";
    yield [nextId++, "DREETS IAE", `${prefix} ${r.deNom}`, stateSiret(), ...region(r.code)];
  }
  yield [900, "DRIHL", "DRIHL d'Île-de-France", stateSiret(), ...region("11")];
  yield [
    901,
    "DIHAL",
    "Délégation interministérielle à l'hébergement et à l'accès au logement",
    stateSiret(),
    ...national,
  ];
  yield [902, "CONVERGENCE", "Convergence France", w.siret(w.newSiren(rng), 1), ...national];
  for (const [id, nom] of NETWORKS) yield [id, "Réseau IAE", nom, w.siret(w.newSiren(rng), 1), ...national];
}

export function* networkRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  buildStructures(w);
  const rng = w.rng("reseaux_adherents");
  const since = () => (rng.chance(0.2) ? null : isoOf(w.day(rng, dayOf("2015-01-01"), w.reference)));
  const reseau = DEMO_INSTITUTIONS.reseau;
  for (const id of reseau.members) {
    const s = w.structuresById.get(id)!;
    yield [reseau.id, reseau.nom, s.siret, s.id, since()];
  }
  const names = new Map(NETWORKS);
  const demoIds = new Set<number>(DEMO_STRUCTURES.map((s) => s.id));
  for (const s of w.structures) {
    if (demoIds.has(s.id) || s.parentId !== null || !IAE.has(s.type)) continue;
    const chances: Array<[number, number]> = [];
    if (s.type === "EI" || s.type === "ETTI" || s.type === "EITI") chances.push([123, 0.35]);
    if (s.type === "AI") chances.push([121, 0.4], [122, 0.25]);
    if (s.type === "ACI") chances.push([122, 0.15], [120, 0.06], [119, 0.05]);
    if (s.dept.codeRegion === "53") chances.push([346, 0.25]);
    if (s.dept.codeRegion === "28") chances.push([348, 0.25]);
    for (const [id, p] of chances) if (rng.chance(p)) yield [id, names.get(id)!, s.siret, s.id, since()];
  }
  // Members listed by a SIRET no structure has (a typo, a closed establishment): no id_structure.
  for (let i = 0; i < w.count(8); i++) {
    const [id, nom] = rng.pick(NETWORKS);
    yield [id, nom, w.siret(w.newSiren(rng), 1), null, since()];
  }
}

/** Réseaux IAE with the institution ids the service uses (pilotage-airflow's `reseau_iae_ids` seed). */
const NETWORKS: ReadonlyArray<[number, string]> = [
  [119, "Emmaüs France"],
  [120, "Réseau Cocagne"],
  [121, "UNAI — Union nationale des associations intermédiaires"],
  [122, "Coorace"],
  [123, "Fédération des entreprises d'insertion"],
  [346, "FAS Bretagne"],
  [348, "INAE"],
];
