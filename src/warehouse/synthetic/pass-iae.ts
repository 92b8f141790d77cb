import { dayOf, isoOf } from "../calendar.js";
import { IAE, sha256, type CopyValue, type StructureModel, type SyntheticWarehouse } from "./context.js";

/** PASS IAE for the hires of the applications, and old "Agrément PE" approvals to be excluded by questions. */
export function* passRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("pass_iae");
  const validUntil = new Map<number, number>();
  let id = 1;
  const row = (
    type: string,
    start: number,
    end: number,
    candidat: number,
    s: StructureModel,
    candidature: string | null,
    prolongations: number,
  ): CopyValue[] => [
    id,
    sha256(`${w.seed}/pass/${id++}`),
    type,
    isoOf(start),
    isoOf(end),
    candidat,
    s.id,
    candidature,
    s.type,
    s.dept.code,
    s.dept.libelle,
    s.dept.codeRegion,
    s.dept.nomRegion,
    s.commune.bassin.nom,
    end >= w.reference && rng.chance(0.04),
    prolongations,
  ];
  for (const hire of w.hires) {
    if ((validUntil.get(hire.candidat) ?? -1) >= hire.day) continue;
    // Two years, sometimes extended once or twice.
    const prolongations = rng.chance(0.08) ? rng.int(1, 2) : 0;
    let end = hire.day + 729;
    for (let i = 0; i < prolongations; i++) end += rng.int(90, 365);
    validUntil.set(hire.candidat, end);
    yield row("PASS IAE", hire.day, end, hire.candidat, hire.structure, hire.candidature, prolongations);
  }
  // Old "Agrément PE" approvals (before the PASS IAE), long expired, to be excluded by questions.
  const siae = w.structures.filter((s) => IAE.has(s.type));
  for (let candidat = 7; candidat <= w.candidatDept.length; candidat += 40) {
    const start = w.day(rng, dayOf("2019-01-01"), dayOf("2021-06-30"));
    yield row("Agrément PE", start, start + 729, candidat, rng.pick(siae), null, 0);
  }
}
