import { DEMO_ORGANISATIONS } from "../../demo/accounts.js";
import { dayOf, isoOf } from "../calendar.js";
import { DEMO_ORGANISATION_COMMUNES, FIRST_GENERATED_ID, FRANCE_TRAVAIL_SIREN } from "../demo-rows.js";
import type { Commune, GeoDepartement } from "../geography.js";
import { WeightedPicker } from "../random.js";
import { NAME_WORDS, type CopyValue, type OrganisationModel, type SyntheticWarehouse } from "./context.js";

/**
 * Prescribers and orienteurs: the demo organisations, France Travail's SAFIR hierarchy (DGFT, a DRFT per
 * région, DTFT covering one or two départements, agencies), a conseil départemental, Cap emploi and
 * Mission locale per département, the other prescriber types, orienteurs, and DEPT organisations flagged
 * bRSA as negative controls.
 */

const TYPE_COMPLET: Record<string, string> = {
  FT: "France Travail",
  ML: "Mission locale",
  CAP_EMPLOI: "Cap emploi",
  DEPT: "Service social du conseil départemental",
  ODC: "Organisation délégataire d'un conseil départemental",
  PLIE: "Plan local pour l'insertion et l'emploi",
  CHRS: "Centre d'hébergement et de réinsertion sociale",
  CHU: "Centre d'hébergement d'urgence",
  CADA: "Centre d'accueil de demandeurs d'asile",
  RS_FJT: "Résidence sociale ou foyer de jeunes travailleurs",
  SPIP: "Service pénitentiaire d'insertion et de probation",
  AFPA: "Agence nationale pour la formation professionnelle des adultes",
  Autre: "Autre",
};

const TYPE_PRESCRIPTEUR: Record<string, string> = {
  FT: "SPE",
  ML: "SPE",
  CAP_EMPLOI: "SPE",
  DEPT: "Département",
  ODC: "Département",
  CHRS: "Nouveaux prescripteurs",
  CHU: "Nouveaux prescripteurs",
  CADA: "Nouveaux prescripteurs",
  RS_FJT: "Nouveaux prescripteurs",
};

/** Weight of a prescriber type in the applications of its département. */
const PRESCRIBER_ACTIVITY: Record<string, number> = {
  FT: 10,
  ML: 6,
  CAP_EMPLOI: 3,
  DEPT: 8,
  ODC: 3,
  PLIE: 3,
  CHRS: 2,
  CHU: 1,
  CADA: 1,
  RS_FJT: 1,
  SPIP: 2,
  AFPA: 1,
  Autre: 2,
};

/** SAFIR codes start with the département (Corsica as "20"; overseas on three digits). */
function safirPrefix(code: string): string {
  return code.length === 3 ? code : code.replace(/^2[AB]$/, "20");
}
export function buildOrganisations(w: SyntheticWarehouse): void {
  if (w.organisations.length > 0) return;
  const rng = w.rng("organisations");
  let nextId: number = FIRST_GENERATED_ID.organisation;
  let ftEstablishment = 1;
  const usedSafir = new Set<string>([DEMO_ORGANISATIONS.ft69.codeSafir]);
  const allCodes = w.geo.departements.filter((d) => d.codeRegion !== null).map((d) => d.code);

  const ftSiret = (): string => {
    for (;;) {
      const candidate = w.siret(FRANCE_TRAVAIL_SIREN, ftEstablishment++);
      if (candidate !== DEMO_ORGANISATIONS.ft69.siret) return candidate;
    }
  };
  const add = (
    fields: Omit<OrganisationModel, "id" | "commune" | "registered" | "activity"> & {
      id?: number;
      commune?: Commune;
      activity?: number;
    },
  ) => {
    const model: OrganisationModel = {
      ...fields,
      id: fields.id ?? nextId++,
      commune: fields.commune ?? fields.dept.communePicker.pick(rng),
      registered: w.day(rng, dayOf("2019-06-01"), w.reference - 30),
      activity:
        fields.activity ??
        (fields.niveauFt && fields.niveauFt !== "agence" ? 0 : (PRESCRIBER_ACTIVITY[fields.type] ?? 1)),
    };
    w.organisations.push(model);
    return model;
  };
  const common = { brsa: false, safir: null, niveauFt: null, departementsFt: null };

  // The demo organisations, busier than their neighbours so that their dashboards are full.
  const cd33 = DEMO_ORGANISATIONS.cd33;
  add({
    ...common,
    id: cd33.id,
    siret: cd33.siret,
    nom: cd33.nom,
    type: cd33.type,
    habilitee: cd33.habilitee,
    brsa: cd33.brsa,
    dept: w.geo.departement(cd33.departement),
    commune: w.commune(DEMO_ORGANISATION_COMMUNES[cd33.id]!),
    activity: PRESCRIBER_ACTIVITY.DEPT! * 3,
  });
  const ft69 = DEMO_ORGANISATIONS.ft69;
  add({
    ...common,
    id: ft69.id,
    siret: ft69.siret,
    nom: ft69.nom,
    type: ft69.type,
    habilitee: ft69.habilitee,
    brsa: ft69.brsa,
    safir: ft69.codeSafir,
    niveauFt: ft69.niveauFt,
    departementsFt: [ft69.departement],
    dept: w.geo.departement(ft69.departement),
    commune: w.commune(DEMO_ORGANISATION_COMMUNES[ft69.id]!),
    activity: PRESCRIBER_ACTIVITY.FT! * 3,
  });

  // France Travail's hierarchy: the DGFT (00162), a DRFT per région (75980 for Île-de-France),
  // DTFT covering one or two départements (72203 → 72 and 53, 04016 → 04 and 05), agencies.
  const ft = (nom: string, dept: GeoDepartement, safir: string, niveau: string, scope: string[]) => {
    usedSafir.add(safir);
    return add({
      ...common,
      siret: ftSiret(),
      nom,
      type: "FT",
      habilitee: true,
      safir,
      niveauFt: niveau,
      departementsFt: scope,
      dept,
    });
  };
  ft("France Travail — Direction générale", w.geo.departement("75"), "00162", "DGFT", allCodes);
  for (const region of w.geo.regions) {
    const seat = w.geo.departement(region.chefLieuDepartement);
    const prefix = safirPrefix(seat.code);
    const safir = region.code === "11" ? "75980" : `${prefix}${prefix.length === 3 ? "98" : "980"}`;
    ft(
      `France Travail — Direction régionale ${region.deNom}`,
      seat,
      usedSafir.has(safir) ? `${region.code}981` : safir,
      "DRFT",
      region.departements.map((d) => d.code),
    );
  }
  const dtft: ReadonlyArray<[string, string[]]> = [
    ["72203", ["72", "53"]],
    ["04016", ["04", "05"]],
    ["49104", ["49"]],
  ];
  for (const [safir, scope] of dtft) {
    const dept = w.geo.departement(scope[0]!);
    ft(
      `France Travail — Direction territoriale ${scope.map((c) => w.geo.departement(c).deNom).join(" et ")}`,
      dept,
      safir,
      "DTFT",
      scope,
    );
  }
  for (let i = 0; i < 12; i++) {
    const dept = w.geo.departementPicker.pick(rng);
    const prefix = safirPrefix(dept.code);
    const safir = `${prefix}1${prefix.length === 3 ? i % 10 : String(i).padStart(2, "0")}`;
    if (usedSafir.has(safir) || dept.codeRegion === null) continue;
    ft(`France Travail — Direction territoriale ${dept.deNom}`, dept, safir, "DTFT", [dept.code]);
  }
  // A département has 1,000 SAFIR codes (100 overseas, whose prefix takes three digits): drawn at random
  // while they are plenty, then the first one left; none when all are taken (scale 50 fills La Réunion's).
  const agencySafir = (dept: GeoDepartement): string | undefined => {
    const prefix = safirPrefix(dept.code);
    const last = dept.code.length === 3 ? 99 : 999;
    const code = (n: number) => `${prefix}${String(n).padStart(5 - prefix.length, "0")}`;
    const free = (safir: string) => !usedSafir.has(safir) && !safir.endsWith("980");
    for (let attempt = 0; attempt < 50; attempt++) {
      const safir = code(rng.int(0, last));
      if (free(safir)) return safir;
    }
    for (let n = 0; n <= last; n++) if (free(code(n))) return code(n);
    return undefined;
  };
  const agency = (dept: GeoDepartement) => {
    const commune = dept.communePicker.pick(rng);
    const safir = agencySafir(dept);
    if (safir === undefined) return undefined;
    usedSafir.add(safir);
    return add({
      ...common,
      siret: ftSiret(),
      nom: `France Travail ${commune.nom}`,
      type: "FT",
      habilitee: true,
      safir,
      niveauFt: "agence",
      departementsFt: [dept.code],
      dept,
      commune,
    });
  };

  const otherSiret = () => w.siret(w.newSiren(rng), rng.int(1, 40));
  const org = (type: string, dept: GeoDepartement, nom: string, habilitee = true, brsa = false) =>
    add({ ...common, siret: otherSiret(), nom, type, habilitee, brsa, dept });

  // One per département: the conseil départemental, Cap emploi, an agency, a Mission locale.
  for (const dept of w.geo.departements) {
    if (dept.codeRegion === null) {
      // Saint-Pierre-et-Miquelon: a single agency-like prescriber, outside every hierarchy.
      org("Autre", dept, `Maison de l'emploi ${dept.deNom}`);
      continue;
    }
    if (dept.code !== cd33.departement) org("DEPT", dept, `Conseil départemental ${dept.deNom}`);
    org("CAP_EMPLOI", dept, `Cap emploi ${dept.nom}`);
    org("ML", dept, `Mission locale ${dept.chefLieu.nom.startsWith("A") ? "d'" : "de "}${dept.chefLieu.nom}`);
    agency(dept);
  }
  const metro = new WeightedPicker(
    w.geo.departements.filter((d) => d.codeRegion !== null),
    w.geo.departements.filter((d) => d.codeRegion !== null).map((d) => d.weight),
  );
  for (let i = 0; i < w.count(160); i++) while (!agency(metro.pick(rng)));
  const variable: ReadonlyArray<[string, number, (c: Commune) => string]> = [
    ["ML", 80, (c) => `Mission locale ${c.nom}`],
    ["PLIE", 50, (c) => `PLIE ${c.bassin.nom.replace(/^Bassin /, "")}`],
    ["CHRS", 100, (c) => `CHRS ${rng.pick(NAME_WORDS)} (${c.nom})`],
    ["CHU", 30, (c) => `Centre d'hébergement d'urgence ${c.nom}`],
    ["CADA", 30, (c) => `CADA ${c.nom}`],
    ["RS_FJT", 30, (c) => `Résidence sociale ${rng.pick(NAME_WORDS)} (${c.nom})`],
    ["SPIP", 40, (c) => `SPIP ${c.nom}`],
    ["AFPA", 15, (c) => `AFPA ${c.nom}`],
    ["ODC", 25, (c) => `${rng.pick(NAME_WORDS)} Accompagnement RSA (${c.nom})`],
  ];
  for (const [type, base, name] of variable) {
    for (let i = 0; i < w.count(base); i++) {
      const dept = metro.pick(rng);
      const model = org(type, dept, "");
      model.nom = name(model.commune);
    }
  }
  // Orienteurs: not authorised to prescribe, their applications are "Orienteur".
  for (let i = 0; i < w.count(200); i++) {
    const dept = metro.pick(rng);
    const model = org("Autre", dept, "", false);
    model.nom = `Association ${rng.pick(NAME_WORDS)} (${model.commune.nom})`;
  }
  // Negative controls: DEPT organisations flagged bRSA are not conseils départementaux.
  for (const code of ["62", "13", "93", "974"]) {
    const dept = w.geo.departement(code);
    org("DEPT", dept, `Organisation conventionnée pour le suivi des bRSA ${dept.deNom}`, true, true);
  }
}

export function* organisationRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  buildOrganisations(w);
  for (const o of w.organisations) {
    const c = o.commune;
    yield [
      o.id,
      o.siret,
      o.nom,
      o.type,
      TYPE_COMPLET[o.type] ?? o.type,
      o.habilitee,
      o.habilitee ? "Prescripteur habilité" : "Orienteur",
      o.brsa,
      o.safir,
      o.niveauFt,
      o.departementsFt,
      TYPE_PRESCRIPTEUR[o.type] ?? "Autre",
      c.code,
      c.nom,
      o.dept.code,
      o.dept.libelle,
      o.dept.codeRegion,
      o.dept.nomRegion,
      c.bassin.code,
      c.bassin.nom,
      isoOf(o.registered),
    ];
  }
}
