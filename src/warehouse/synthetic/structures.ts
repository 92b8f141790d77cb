import { dayOf, isoOf } from "../calendar.js";
import { DEMO_STRUCTURES, FIRST_GENERATED_ID } from "../demo-rows.js";
import type { Commune, GeoDepartement } from "../geography.js";
import type { Rng } from "../random.js";
import {
  IAE,
  NAME_WORDS,
  picker,
  type CopyValue,
  type StructureModel,
  type StructureType,
  type SyntheticWarehouse,
} from "./context.js";

/**
 * Employers: the demo structures, then SIAE in every département following its weight, a few created by
 * the support team without a convention, antennas sharing their parent's convention, and EA, EATT, GEIQ,
 * OPCS.
 */

const STRUCTURE_NAMES: Record<StructureType, readonly string[]> = {
  ACI: ["Chantier d'insertion {w}", "Jardins {de}", "Ressourcerie {de}", "Atelier {w}", "Recyclerie {w}"],
  AI: ["Association intermédiaire {w}", "{w} Services", "AI {de}"],
  EI: ["{w} Insertion", "Bâtiment Solidaire {de}", "{w} Propreté", "Restaurant d'insertion {w}"],
  ETTI: ["{w} Intérim Insertion", "ETTI {de}", "{w} Intérim"],
  EITI: ["{w} Indépendants", "Coopérative {w}"],
  EA: ["Entreprise adaptée {w}", "EA {de}"],
  EATT: ["{w} Travail Temporaire Adapté"],
  GEIQ: ["GEIQ {w}", "GEIQ BTP {de}", "GEIQ Propreté {de}"],
  OPCS: ["{w} Solidarités"],
};
function structureName(w: SyntheticWarehouse, rng: Rng, type: StructureType, commune: Commune): string {
  const template = rng.pick(STRUCTURE_NAMES[type]);
  const de = /^[AEIOUYÉÈÊÎÏÔÂH]/u.test(commune.nom) ? `d'${commune.nom}` : `de ${commune.nom}`;
  return template.replace("{w}", rng.pick(NAME_WORDS)).replace("{de}", de);
}

export function buildStructures(w: SyntheticWarehouse): void {
  if (w.structures.length > 0) return;
  const rng = w.rng("structures");
  let nextId: number = FIRST_GENERATED_ID.structure;
  let nextAsp = 3001;
  const add = (model: StructureModel) => {
    w.structures.push(model);
    w.structuresById.set(model.id, model);
  };

  for (const demo of DEMO_STRUCTURES) {
    const commune = w.commune(demo.codeCommune);
    add({
      id: demo.id,
      idAsp: nextAsp++,
      siret: demo.siret,
      nom: demo.nom,
      type: demo.type as StructureType,
      source: "ASP",
      parentId: null,
      active: true,
      convergence: false,
      commune,
      dept: w.geo.departement(demo.departement),
      registered: dayOf("2021-03-15") + demo.id,
      hires: [],
    });
  }

  const siaeTypes = picker<StructureType>([
    ["ACI", 45],
    ["EI", 23],
    ["AI", 16],
    ["ETTI", 11],
    ["EITI", 5],
  ]);
  const created = (type: StructureType, dept: GeoDepartement, source: string, idAsp: number | null) => {
    const commune = dept.communePicker.pick(rng);
    const siren = w.newSiren(rng);
    const model: StructureModel = {
      id: nextId++,
      idAsp,
      siret: w.siret(siren, 1),
      nom: structureName(w, rng, type, commune),
      type,
      source,
      parentId: null,
      active: rng.chance(0.96),
      convergence: type === "ACI" && rng.chance(0.05),
      commune,
      dept,
      registered: w.day(rng, dayOf("2019-06-01"), w.reference - 60),
      hires: [],
    };
    add(model);
    return model;
  };

  // Every département has at least an ACI and one more SIAE, then the rest follows the weights.
  const siae: StructureModel[] = [];
  for (const dept of w.geo.departements) {
    siae.push(created("ACI", dept, "ASP", nextAsp++), created(siaeTypes.pick(rng), dept, "ASP", nextAsp++));
  }
  for (let i = w.geo.departements.length * 2; i < w.count(750); i++) {
    siae.push(created(siaeTypes.pick(rng), w.geo.departementPicker.pick(rng), "ASP", nextAsp++));
  }
  // A few SIAE were created by the support team without an ASP convention: no SIAE statistics.
  for (let i = 0; i < Math.max(3, w.count(20)); i++) {
    created(siaeTypes.pick(rng), w.geo.departementPicker.pick(rng), "STAFF_CREATED", null);
  }
  // Antennas: same convention (id_asp) as their parent, same SIREN, another establishment.
  for (const parent of siae) {
    if (parent.type === "EITI" || !rng.chance(0.06)) continue;
    const commune = parent.dept.communePicker.pick(rng);
    add({
      ...parent,
      id: nextId++,
      siret: w.siret(parent.siret.slice(0, 9), 2),
      nom: `${parent.nom} — antenne de ${commune.nom}`,
      source: "USER_CREATED",
      parentId: parent.id,
      commune,
      registered: w.day(rng, parent.registered, w.reference - 30),
      hires: [],
    });
  }
  const others: ReadonlyArray<[StructureType, number, string]> = [
    ["EA", 160, "EA_EATT"],
    ["EATT", 8, "EA_EATT"],
    ["GEIQ", 60, "GEIQ"],
    ["OPCS", 8, "STAFF_CREATED"],
  ];
  for (const [type, base, source] of others) {
    for (let i = 0; i < w.count(base); i++) created(type, w.geo.departementPicker.pick(rng), source, null);
  }
}

export function* structureRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  buildStructures(w);
  for (const s of w.structures) {
    const c = s.commune;
    yield [
      s.id,
      s.idAsp,
      s.siret,
      s.nom,
      s.type,
      IAE.has(s.type) ? "IAE" : "Hors IAE",
      s.source,
      s.parentId,
      s.active,
      s.convergence,
      c.code,
      c.nom,
      c.codePostal,
      s.dept.code,
      s.dept.libelle,
      s.dept.codeRegion,
      s.dept.nomRegion,
      c.bassin.code,
      c.bassin.nom,
      c.epci?.code ?? null,
      c.epci?.nom ?? null,
      isoOf(s.registered),
    ];
  }
}
