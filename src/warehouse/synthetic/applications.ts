import { dayOf, isoOf } from "../calendar.js";
import { DEMO_STRUCTURES } from "../demo-rows.js";
import { WeightedPicker } from "../random.js";
import {
  clamp,
  IAE,
  picker,
  sha256,
  type CopyValue,
  type OrganisationModel,
  type StructureModel,
  type StructureType,
  type SyntheticWarehouse,
} from "./context.js";
import { buildOrganisations } from "./organisations.js";
import { buildStructures } from "./structures.js";

/**
 * Candidates (pseudonymised, with their diagnosis) and their applications: most stay in the candidate's
 * département, some cross a border; origins, states and delays follow the service's proportions.
 */

/** Relative number of applications a structure of each type receives. */
const STRUCTURE_ATTRACTION: Record<StructureType, number> = {
  ACI: 3,
  AI: 2,
  EI: 2,
  ETTI: 3,
  EITI: 0.5,
  EA: 1,
  EATT: 0,
  GEIQ: 1,
  OPCS: 0,
};

const MOTIFS_REFUS = [
  "Candidat non joignable",
  "Pas de poste ouvert en ce moment",
  "Candidat non éligible",
  "Candidature pas assez renseignée",
  "Freins à l'emploi incompatibles avec le poste",
  "Le candidat n'est pas intéressé",
  "Le candidat ne s'est pas présenté à l'entretien",
  "Autre motif",
];

const ETATS_RECENT: ReadonlyArray<[string, number]> = [
  ["Nouvelle candidature", 45],
  ["Candidature à l'étude", 25],
  ["Candidature en attente", 10],
  ["Action préalable à l'embauche", 5],
  ["Candidature acceptée", 8],
  ["Candidature refusée", 7],
];
const ETATS_MONTH: ReadonlyArray<[string, number]> = [
  ["Nouvelle candidature", 10],
  ["Candidature à l'étude", 15],
  ["Candidature en attente", 8],
  ["Action préalable à l'embauche", 5],
  ["Candidature acceptée", 27],
  ["Candidature refusée", 35],
];
const ETATS_OLD: ReadonlyArray<[string, number]> = [
  ["Nouvelle candidature", 2],
  ["Candidature à l'étude", 2],
  ["Candidature en attente", 2],
  ["Candidature acceptée", 33],
  ["Candidature refusée", 50],
  ["Embauche annulée", 2],
  ["Embauché ailleurs", 6],
  ["Vivier de candidatures", 3],
];
const FINAL_STATES = new Set([
  "Candidature acceptée",
  "Candidature refusée",
  "Embauche annulée",
  "Embauché ailleurs",
  "Vivier de candidatures",
]);
function prescribersByDept(w: SyntheticWarehouse): Map<
  string,
  {
    habilites: WeightedPicker<OrganisationModel> | null;
    orienteurs: WeightedPicker<OrganisationModel> | null;
  }
> {
  const result = new Map<
    string,
    {
      habilites: WeightedPicker<OrganisationModel> | null;
      orienteurs: WeightedPicker<OrganisationModel> | null;
    }
  >();
  for (const dept of w.geo.departements) {
    const here = w.organisations.filter((o) => o.dept === dept && o.activity > 0);
    const habilites = here.filter((o) => o.habilitee);
    const orienteurs = here.filter((o) => !o.habilitee);
    result.set(dept.code, {
      habilites: habilites.length
        ? new WeightedPicker(
            habilites,
            habilites.map((o) => o.activity),
          )
        : null,
      orienteurs: orienteurs.length
        ? new WeightedPicker(
            orienteurs,
            orienteurs.map((o) => o.activity),
          )
        : null,
    });
  }
  return result;
}

export function* candidatRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  buildStructures(w);
  buildOrganisations(w);
  const rng = w.rng("candidats");
  const prescribers = prescribersByDept(w);
  const siaeByDept = new Map<string, StructureModel[]>();
  for (const s of w.structures) {
    if (!IAE.has(s.type)) continue;
    const list = siaeByDept.get(s.dept.code) ?? [];
    list.push(s);
    siaeByDept.set(s.dept.code, list);
  }
  const ages = picker<[number, number, string]>([
    [[18, 25, "Moins de 26 ans"], 25],
    [[26, 44, "De 26 à 44 ans"], 45],
    [[45, 54, "De 45 à 54 ans"], 18],
    [[55, 64, "55 ans et plus"], 12],
  ]);
  const n = w.count(36_000);
  const start = dayOf("2024-01-01");
  w.candidatDept = [];
  w.candidatRegistered = [];
  w.candidatDiagnosticOrg = [];
  w.candidatSexe = [];
  for (let id = 1; id <= n; id++) {
    const dept = w.geo.departementPicker.pick(rng);
    const sexe = rng.chance(0.39) ? "F" : "M";
    const [minAge, maxAge, tranche] = ages.pick(rng);
    const registered = w.day(rng, start, w.reference - 3);
    let author: string | null = null;
    let org: OrganisationModel | null = null;
    let structure: StructureModel | null = null;
    const roll = rng.next();
    const local = prescribers.get(dept.code)!;
    if (roll < 0.65 && local.habilites) {
      author = "Prescripteur";
      org = local.habilites.pick(rng);
    } else if (roll < 0.85 && siaeByDept.get(dept.code)) {
      author = "Employeur";
      structure = rng.pick(siaeByDept.get(dept.code)!);
    }
    const diagnosed = author ? registered + rng.int(0, 10) : null;
    w.candidatDept.push(dept);
    w.candidatRegistered.push(registered);
    w.candidatDiagnosticOrg.push(org);
    w.candidatSexe.push(sexe);
    yield [
      id,
      sha256(`${w.seed}/nir/${id}`),
      sexe,
      w.year - rng.int(minAge, maxAge),
      tranche,
      dept.code,
      dept.libelle,
      dept.codeRegion,
      dept.nomRegion,
      rng.chance(dept.code === "93" ? 0.45 : 0.2),
      rng.chance(dept.weight < 500 ? 0.15 : 0.03),
      rng.chance(0.3),
      rng.chance(0.25),
      rng.chance(0.08),
      isoOf(registered),
      author,
      org?.id ?? null,
      structure?.id ?? null,
      diagnosed === null ? null : isoOf(diagnosed),
      diagnosed !== null && diagnosed >= w.reference - 183,
    ];
  }
}

export function* candidatureRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  const rng = w.rng("candidatures");
  const prescribers = prescribersByDept(w);
  const demoIds = new Set<number>(DEMO_STRUCTURES.map((s) => s.id));
  const targetsByDept = new Map<string, WeightedPicker<StructureModel>>();
  for (const dept of w.geo.departements) {
    const here = w.structures.filter((s) => s.dept === dept && s.active && STRUCTURE_ATTRACTION[s.type] > 0);
    targetsByDept.set(
      dept.code,
      new WeightedPicker(
        here,
        here.map((s) => STRUCTURE_ATTRACTION[s.type] * (demoIds.has(s.id) ? 4 : 1)),
      ),
    );
  }
  const recent = picker(ETATS_RECENT);
  const month = picker(ETATS_MONTH);
  const old = picker(ETATS_OLD);
  const metro = w.geo.departements.filter((d) => d.codeRegion !== null);

  for (let index = 0; index < w.candidatDept.length; index++) {
    const candidat = index + 1;
    const home = w.candidatDept[index]!;
    const registered = w.candidatRegistered[index]!;
    const diagnosticOrg = w.candidatDiagnosticOrg[index]!;
    const count = 1 + rng.geometric(0.4, 7);
    let day = registered + rng.int(0, 20);
    for (let k = 0; k < count && day <= w.reference; k++) {
      // Most applications stay in the candidate's département; some cross a border.
      const targetDept = rng.chance(0.9) ? home : w.geo.departementPicker.pick(rng);
      const structure = targetsByDept.get(targetDept.code)!.pick(rng);
      const roll = rng.next();
      let origine: string;
      let detail: string;
      let org: OrganisationModel | null = null;
      let fromStructure: StructureModel | null = null;
      const local = prescribers.get(home.code)!;
      if (roll < 0.55 && local.habilites) {
        origine = "Prescripteur habilité";
        org =
          diagnosticOrg && rng.chance(0.7)
            ? diagnosticOrg
            : rng.chance(0.03)
              ? (prescribers.get(rng.pick(metro).code)!.habilites ?? local.habilites).pick(rng)
              : local.habilites.pick(rng);
        detail = `Prescripteur habilité ${org.type}`;
      } else if (roll < 0.65 && local.orienteurs) {
        origine = "Orienteur";
        org = local.orienteurs.pick(rng);
        detail = `Orienteur ${org.type}`;
      } else if (roll < 0.8) {
        origine = "Candidat";
        detail = "Candidat";
      } else if (roll < 0.95) {
        origine = "Employeur";
        fromStructure = structure;
        detail = `Employeur ${structure.type}`;
      } else {
        fromStructure = targetsByDept.get(structure.dept.code)!.pick(rng);
        origine = fromStructure === structure ? "Employeur" : "Employeur orienteur";
        detail = `${origine} ${fromStructure.type}`;
      }
      const auto = fromStructure === structure;
      const age = w.reference - day;
      const etat = auto
        ? rng.chance(0.9)
          ? "Candidature acceptée"
          : "Candidature refusée"
        : (age < 15 ? recent : age < 60 ? month : old).pick(rng);
      let seen: number | null = null;
      let answered: number | null = null;
      if (etat !== "Nouvelle candidature") {
        seen = rng.chance(0.1) ? rng.int(15, 60) : clamp(Math.round(rng.around(5, 5)), 0, 14);
        seen = Math.min(seen, age);
      }
      if (FINAL_STATES.has(etat) && seen !== null) {
        answered = Math.min(age, seen + (rng.chance(0.1) ? rng.int(20, 100) : rng.int(0, 25)));
      }
      const treated = answered === null ? null : day + answered;
      const accepted = etat === "Candidature acceptée";
      const hired = accepted && treated !== null ? Math.min(w.reference, treated + rng.int(0, 15)) : null;
      const id = rng.uuid();
      if (accepted && hired !== null) {
        if (IAE.has(structure.type)) w.hires.push({ candidat, structure, candidature: id, day: hired });
        structure.hires.push(candidat);
      }
      const contract = !accepted
        ? null
        : structure.type === "AI" || structure.type === "ETTI"
          ? "Contrat de mission"
          : structure.type === "GEIQ"
            ? rng.pick(["Contrat de professionnalisation", "Contrat d'apprentissage"])
            : structure.type === "EA" || structure.type === "EATT"
              ? rng.pick(["CDI", "CDD"])
              : "CDD d'insertion (CDDI)";
      const s = structure;
      yield [
        id,
        isoOf(day),
        treated === null ? null : isoOf(treated),
        hired === null ? null : isoOf(hired),
        etat,
        etat === "Candidature refusée" ? rng.pick(MOTIFS_REFUS) : null,
        origine,
        detail,
        auto,
        candidat,
        s.id,
        fromStructure?.id ?? null,
        s.type,
        s.nom,
        IAE.has(s.type) ? "IAE" : "Hors IAE",
        s.dept.code,
        s.dept.libelle,
        s.dept.codeRegion,
        s.dept.nomRegion,
        s.commune.bassin.nom,
        org?.id ?? null,
        org?.type ?? null,
        org?.nom ?? null,
        org?.safir ?? null,
        org?.dept.code ?? null,
        org?.dept.libelle ?? null,
        org?.dept.codeRegion ?? null,
        org?.dept.nomRegion ?? null,
        seen,
        answered,
        contract,
        accepted && IAE.has(s.type) ? (rng.chance(0.8) ? "automatique" : "manuel") : null,
        etat === "Candidature refusée" && age > 180 && rng.chance(0.05),
        s.commune.bassin.code,
        s.commune.epci?.code ?? null,
      ];
      if (accepted && rng.chance(0.7)) break;
      day += rng.int(1, 90);
    }
  }
}
