import { firstDayOfMonth, isoOf, lastDayOfMonth, monthOf, yearOf } from "../calendar.js";
import type { Rng } from "../random.js";
import {
  cents,
  clamp,
  IAE,
  type CopyValue,
  type StructureModel,
  type SyntheticWarehouse,
} from "./context.js";

/**
 * ETP conventionnés (annexes financières, over three years, with FDI annexes to exclude) and réalisés
 * (états mensuels individuels: the hours each worker of a conventioned structure declares every month).
 */

/** Annual State aid per conventioned ETP, in cents, for the reference year (earlier years: −3 % a year). */
const AIDE_PAR_ETP_CENTS: Record<string, number> = {
  ACI: 2_400_000,
  EI: 1_180_000,
  AI: 150_000,
  ETTI: 480_000,
  EITI: 1_200_000,
};
const HEURES_ANNUELLES_ETP = 1607;

/** The département as the ASP writes it in annex numbers: three characters ("093", "02A", "971"). */
function asp3(code: string): string {
  return code.padStart(3, "0");
}
export function* annexeRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("annexes_financieres");
  let id = 1;
  const order = new Map<string, number>();
  const conventioned = w.structures.filter((s) => IAE.has(s.type) && s.idAsp !== null && s.parentId === null);
  const typicalEtp: Record<string, [number, number]> = {
    ACI: [10, 7],
    EI: [6, 4],
    AI: [8, 6],
    ETTI: [7, 5],
    EITI: [2.5, 1.5],
  };
  for (const s of conventioned) {
    // Some conventions start mid-year and run over two calendar years.
    const midYear = rng.chance(0.1);
    const firstYear = rng.chance(0.07) ? w.year - rng.int(0, 1) : w.year - 2;
    const [mean, spread] = typicalEtp[s.type]!;
    let etp = Math.max(1, rng.around(mean, spread));
    const mesures = [`${s.type}_DC`];
    if ((s.type === "ACI" && rng.chance(0.15)) || (s.type === "EI" && rng.chance(0.1)))
      mesures.push(`${s.type}_MP`);
    const cofinanced = s.type === "ACI" && rng.chance(0.25);
    for (let year = firstYear; year <= w.year; year++) {
      etp = Math.max(0.5, etp * (1 + rng.around(0, 0.12)));
      const start = midYear ? firstDayOfMonth(year, 7) : firstDayOfMonth(year, 1);
      const end = midYear ? lastDayOfMonth(year + 1, 6) : lastDayOfMonth(year, 12);
      for (const mesure of mesures) {
        const etpCents = Math.round((mesure.endsWith("_MP") ? etp / 3 : etp) * 100);
        yield annexe(w, rng, id++, s, mesure, start, end, etpCents, year, order, cofinanced);
      }
      // Fonds départemental d'insertion: an annex that is not ETP, to be excluded by questions.
      if (rng.chance(0.05)) yield annexe(w, rng, id++, s, "FDI_DC", start, end, 0, year, order, false);
    }
  }
}

function annexe(
  w: SyntheticWarehouse,
  rng: Rng,
  id: number,
  s: StructureModel,
  mesure: string,
  start: number,
  end: number,
  etpCents: number,
  year: number,
  order: Map<string, number>,
  cofinanced: boolean,
): CopyValue[] {
  const fdi = mesure === "FDI_DC";
  w.annexes.push({ id, structure: s, mesure, start, end, etpCents, fdi });
  const prefix = fdi ? "FDI" : s.type;
  const key = `${prefix}${asp3(s.dept.code)}${String(year % 100).padStart(2, "0")}`;
  const rank = (order.get(key) ?? 0) + 1;
  order.set(key, rank);
  const months = 12;
  const unitCents = fdi ? 0 : Math.round(AIDE_PAR_ETP_CENTS[s.type]! * (1 - 0.03 * (w.year - year)));
  const totalCents = fdi
    ? rng.int(500_000, 5_000_000)
    : Math.round((etpCents * unitCents * months) / 12 / 100);
  const cofinanceCents = cofinanced ? Math.round((totalCents * rng.int(10, 30)) / 100) : 0;
  const etat = end < w.reference ? "CLOTURE" : year === w.year && rng.chance(0.15) ? "PROVISOIRE" : "VALIDE";
  return [
    id,
    `${key}${String(rank).padStart(4, "0")}`,
    `${s.type}${asp3(s.dept.code)}${String(s.idAsp).padStart(6, "0")}`,
    s.idAsp,
    s.id,
    s.nom,
    mesure,
    s.type,
    etat,
    isoOf(start),
    isoOf(end),
    cents(etpCents),
    cents(unitCents),
    cents(totalCents),
    cents(cofinanceCents),
    `${HEURES_ANNUELLES_ETP}.0`,
    s.dept.code,
    s.dept.libelle,
    s.dept.codeRegion,
    s.dept.nomRegion,
    s.commune.bassin.code,
  ];
}

export function* monthlyStatementRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("etats_mensuels_individuels");
  const firstMonth = firstDayOfMonth(w.year - 1, 1);
  const lastMonth = firstDayOfMonth(w.year, monthOf(w.reference));
  const monthlyFullTime = (HEURES_ANNUELLES_ETP * 100) / 12;
  let id = 1;
  let nextSalarie = 1_000_001;
  interface Worker {
    id: number;
    candidat: number | null;
    sexe: string;
    brsa: boolean;
    hoursCents: number;
    until: number;
  }
  for (const annexe of w.annexes) {
    if (annexe.fdi || annexe.etpCents === 0) continue;
    const s = annexe.structure;
    // How much of its conventioned ETP the structure actually uses.
    const usage = clamp(rng.around(0.88, 0.3), 0.4, 1.15);
    const hires = [...s.hires];
    const workers: Worker[] = [];
    for (
      let m = Math.max(annexe.start, firstMonth);
      m <= Math.min(annexe.end, lastMonth);
      m = lastDayOfMonth(yearOf(m), monthOf(m)) + 1
    ) {
      const target = (annexe.etpCents / 100) * usage * monthlyFullTime;
      for (let i = workers.length - 1; i >= 0; i--) if (workers[i]!.until < m) workers.splice(i, 1);
      let total = workers.reduce((sum, w) => sum + w.hoursCents, 0);
      while (total < target) {
        const candidat = hires.length > 0 && rng.chance(0.5) ? hires.shift()! : null;
        const hoursCents = clamp(Math.round(rng.around(10_500, 5_000)), 2_000, 15_167);
        const months = rng.int(3, 18);
        workers.push({
          id: nextSalarie++,
          candidat,
          sexe:
            candidat !== null
              ? w.candidatSexe[candidat - 1]!
              : rng.chance(s.type === "AI" ? 0.6 : 0.38)
                ? "F"
                : "M",
          brsa: rng.chance(0.3),
          hoursCents,
          until: firstDayOfMonth(yearOf(m), monthOf(m) + months),
        });
        total += hoursCents;
      }
      const recent = m > lastMonth - 62;
      for (const w of workers) {
        const hours = clamp(Math.round(w.hoursCents * rng.around(1, 0.1)), 100, 20_000);
        yield [
          id++,
          annexe.id,
          s.idAsp,
          s.id,
          s.type,
          w.id,
          w.candidat,
          w.sexe,
          yearOf(m),
          monthOf(m),
          cents(hours),
          recent && rng.chance(0.1) ? "SAISI" : "VALIDE",
          w.brsa,
          s.dept.code,
          s.dept.libelle,
          s.dept.codeRegion,
          s.dept.nomRegion,
          s.commune.bassin.code,
        ];
      }
    }
  }
}
