import type { GeoDepartement } from "../geography.js";
import { cents, clamp, NAME_WORDS, picker, type CopyValue, type SyntheticWarehouse } from "./context.js";

/** ESAT (medico-social) and their answers to the yearly survey, for two vintages. */
export function* esatRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("esat");
  const used = new Set<string>();
  const finess = (dept: GeoDepartement) => {
    for (;;) {
      const prefix = dept.code.length === 3 ? dept.code : dept.code.padStart(2, "0");
      const value = `${prefix}${String(rng.int(0, 10 ** (9 - prefix.length) - 1)).padStart(9 - prefix.length, "0")}`;
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  };
  const statuts = picker<string>([
    ["Privé associatif", 75],
    ["Public", 15],
    ["Privé non lucratif (fondation)", 10],
  ]);
  const managers = new Map<string, string[]>();
  w.esats = [];
  for (let i = 0; i < w.count(280); i++) {
    const dept = w.geo.departementPicker.pick(rng);
    const commune = dept.communePicker.pick(rng);
    const num = finess(dept);
    const known = managers.get(dept.code) ?? [];
    const manager = known.length > 0 && rng.chance(0.3) ? rng.pick(known) : finess(dept);
    managers.set(dept.code, [...known, manager]);
    const statut = statuts.pick(rng);
    const capacite = clamp(Math.round(rng.around(60, 45)), 15, 220);
    w.esats.push({ finess: num, statut, capacite, dept });
    yield [
      num,
      manager,
      w.siret(w.newSiren(rng), rng.int(1, 30)),
      `ESAT ${rng.pick(NAME_WORDS)} ${/^[AEIOUYÉÈÊÎÏÔÂH]/u.test(commune.nom) ? "d'" : "de "}${commune.nom}`,
      statut,
      rng.chance(0.85) ? "principal" : "secondaire",
      capacite,
      commune.code,
      commune.nom,
      dept.code,
      dept.libelle,
      dept.codeRegion,
      dept.nomRegion,
    ];
  }
}

export function* esatAnswerRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("esat_reponses");
  for (const [millesime, rate] of [
    [w.year - 2, 0.6],
    [w.year - 1, 0.75],
  ] as const) {
    for (const e of w.esats) {
      if (!rng.chance(rate)) continue;
      const workers = Math.round(e.capacite * clamp(rng.around(1.05, 0.1), 0.8, 1.3));
      const share = (p: number) => Math.round(workers * p);
      const exits = share(clamp(rng.around(0.05, 0.04), 0, 0.15));
      const ea = Math.round(exits * rng.next() * 0.4);
      const prive = Math.round((exits - ea) * rng.next() * 0.7);
      const cdi = Math.round((ea + prive) * rng.next() * 0.6);
      yield [
        rng.uuid(),
        e.finess,
        millesime,
        e.statut,
        e.dept.code,
        e.dept.libelle,
        e.dept.codeRegion,
        e.dept.nomRegion,
        e.capacite,
        cents(Math.round(workers * 100 * clamp(rng.around(0.85, 0.1), 0.6, 1))),
        workers,
        share(clamp(rng.around(0.2, 0.1), 0, 0.5)),
        (Math.round(rng.around(41, 4) * 10) / 10).toFixed(1),
        (Math.round(rng.around(11, 4) * 10) / 10).toFixed(1),
        share(clamp(rng.around(0.09, 0.05), 0, 0.3)),
        share(clamp(rng.around(0.1, 0.06), 0, 0.3)),
        share(clamp(rng.around(0.08, 0.06), 0, 0.3)),
        share(clamp(rng.around(0.03, 0.03), 0, 0.1)),
        share(clamp(rng.around(0.02, 0.02), 0, 0.08)),
        exits,
        ea,
        prive,
        exits - ea - prive,
        cdi,
        ea + prive - cdi,
        Math.round(exits * rng.next() * 0.3),
        share(clamp(rng.around(0.03, 0.03), 0, 0.1)),
        share(clamp(rng.around(0.04, 0.03), 0, 0.1)),
        Math.max(1, Math.round(e.capacite / 40)),
        rng.int(0, 100),
      ];
    }
  }
}
