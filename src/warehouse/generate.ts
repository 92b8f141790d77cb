import { createHash } from "node:crypto";
import { DEMO_INSTITUTIONS, DEMO_ORGANISATIONS } from "../demo/accounts.js";
import { completeSiret } from "../siret.js";
import { dayOf, firstDayOfMonth, isoOf, lastDayOfMonth, monthOf, yearOf } from "./calendar.js";
import {
  DEMO_ORGANISATION_COMMUNES,
  DEMO_STRUCTURES,
  FIRST_GENERATED_ID,
  FRANCE_TRAVAIL_SIREN,
  RESERVED_SIRENS,
} from "./demo-rows.js";
import { loadGeography, type Commune, type GeoDepartement, type Geography } from "./geography.js";
import { createRng, WeightedPicker, type Rng } from "./random.js";
import { WAREHOUSE_TABLES, type WarehouseTable } from "./tables.js";

/**
 * The synthetic warehouse: every row of every table, from a seed and a scale, without I/O. Shaped on
 * the service's data (les-emplois-stats.md, "Realistic schema" and "Synthetic-data tips"): weights per
 * département, France Travail's SAFIR hierarchy, antennas sharing a convention, cross-border and
 * auto-prescribed applications, annexes over two years, FDI annexes, expired PASS, and the organisations
 * behind the demo accounts.
 *
 * Tables must be read in load order: each one builds on what the previous ones drew.
 */

/** The day the synthetic data stops ("données arrêtées au"): fixed, so a seed means the same data on any day. */
export const REFERENCE_DATE = "2026-10-31";

/** Bump when the generator changes what it produces for a given seed (the demo re-seeds on a mismatch). */
export const GENERATOR_VERSION = 1;

export const DEFAULT_SEED = "pilotage";

export type CopyValue = string | number | boolean | null | readonly string[];

export interface GeneratedTable {
  table: WarehouseTable;
  /** Lazily drawn rows, in the column order of `table.columns`. */
  rows(): Iterable<CopyValue[]>;
}

export interface GenerateOptions {
  seed: string;
  /** 1 is a few hundred thousand rows; volumes grow linearly with it. */
  scale: number;
}

const SIAE_TYPES = ["ACI", "AI", "EI", "ETTI", "EITI"] as const;
type StructureType = (typeof SIAE_TYPES)[number] | "EA" | "EATT" | "GEIQ" | "OPCS";

const IAE = new Set<string>(SIAE_TYPES);

interface StructureModel {
  id: number;
  idAsp: number | null;
  siret: string;
  nom: string;
  type: StructureType;
  source: string;
  parentId: number | null;
  active: boolean;
  convergence: boolean;
  commune: Commune;
  dept: GeoDepartement;
  registered: number;
  /** Candidates hired here (for the monthly statements), in hiring order. */
  hires: number[];
}

interface OrganisationModel {
  id: number;
  siret: string;
  nom: string;
  type: string;
  habilitee: boolean;
  brsa: boolean;
  safir: string | null;
  niveauFt: string | null;
  departementsFt: string[] | null;
  commune: Commune;
  dept: GeoDepartement;
  registered: number;
  /** How often it sends applications, relative to the others of its département. */
  activity: number;
}

interface AnnexeModel {
  id: number;
  structure: StructureModel;
  mesure: string;
  start: number;
  end: number;
  etpCents: number;
  fdi: boolean;
}

interface Hire {
  candidat: number;
  structure: StructureModel;
  candidature: string;
  day: number;
}

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

const NAME_WORDS = [
  "Tremplin",
  "Passerelle",
  "Horizon",
  "Envol",
  "Rebond",
  "Ensemble",
  "Solidarité",
  "Avenir",
  "Main Forte",
  "Coup de Pouce",
  "Trait d'Union",
  "Archipel",
  "Boussole",
  "Agir",
  "Atout",
  "Escale",
  "Émergence",
  "Élan",
  "Relais",
  "Racines",
  "Trajectoire",
  "Cap Nouveau",
  "Les Compagnons",
  "La Fabrique",
];

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

/** Annual State aid per conventioned ETP, in cents, for the reference year (earlier years: −3 % a year). */
const AIDE_PAR_ETP_CENTS: Record<string, number> = {
  ACI: 2_400_000,
  EI: 1_180_000,
  AI: 150_000,
  ETTI: 480_000,
  EITI: 1_200_000,
};
const HEURES_ANNUELLES_ETP = 1607;

function picker<T>(entries: ReadonlyArray<[T, number]>): WeightedPicker<T> {
  return new WeightedPicker(
    entries.map(([value]) => value),
    entries.map(([, weight]) => weight),
  );
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function cents(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** SAFIR codes start with the département (Corsica as "20"; overseas on three digits). */
function safirPrefix(code: string): string {
  return code.length === 3 ? code : code.replace(/^2[AB]$/, "20");
}

/** The département as the ASP writes it in annex numbers: three characters ("093", "02A", "971"). */
function asp3(code: string): string {
  return code.padStart(3, "0");
}

export function generateWarehouse(options: GenerateOptions): GeneratedTable[] {
  return new SyntheticWarehouse(options).tables();
}

class SyntheticWarehouse {
  private readonly geo: Geography;
  private readonly scale: number;
  private readonly seed: string;
  private readonly reference = dayOf(REFERENCE_DATE);
  private readonly year = yearOf(dayOf(REFERENCE_DATE));
  private readonly usedSirens = new Set<string>(RESERVED_SIRENS);

  private readonly structures: StructureModel[] = [];
  private readonly structuresById = new Map<number, StructureModel>();
  private readonly organisations: OrganisationModel[] = [];
  private candidatDept: GeoDepartement[] = [];
  private candidatRegistered: number[] = [];
  private candidatDiagnosticOrg: (OrganisationModel | null)[] = [];
  private candidatSexe: string[] = [];
  private readonly hires: Hire[] = [];
  private readonly annexes: AnnexeModel[] = [];

  constructor(options: GenerateOptions) {
    if (!(options.scale > 0)) throw new Error(`scale must be positive, got ${options.scale}`);
    this.scale = options.scale;
    this.seed = options.seed;
    this.geo = loadGeography();
  }

  /** One independent random stream per table, so that changing one table does not shift the others. */
  private rng(stream: string): Rng {
    return createRng(`${this.seed}/${stream}`);
  }

  private count(base: number): number {
    return Math.max(1, Math.round(base * this.scale));
  }

  tables(): GeneratedTable[] {
    const generators: Record<string, () => Iterable<CopyValue[]>> = {
      ref_region: () => this.refRegions(),
      ref_departement: () => this.refDepartements(),
      ref_bassin_emploi: () => this.refBassins(),
      ref_epci: () => this.refEpcis(),
      ref_commune: () => this.refCommunes(),
      structures: () => this.structureRows(),
      organisations: () => this.organisationRows(),
      institutions: () => this.institutionRows(),
      reseaux_adherents: () => this.networkRows(),
      candidats: () => this.candidatRows(),
      candidatures: () => this.candidatureRows(),
      pass_iae: () => this.passRows(),
      annexes_financieres: () => this.annexeRows(),
      etats_mensuels_individuels: () => this.monthlyStatementRows(),
      esat: () => this.esatRows(),
      esat_reponses: () => this.esatAnswerRows(),
    };
    return WAREHOUSE_TABLES.map((table) => {
      const rows = generators[table.name];
      if (!rows) throw new Error(`no generator for table ${table.name}`);
      return { table, rows };
    });
  }

  // ------------------------------------------------------------------------------------------
  // Reference geography
  // ------------------------------------------------------------------------------------------

  private *refRegions(): Iterable<CopyValue[]> {
    for (const region of this.geo.regions) yield [region.code, region.nom];
  }

  private *refDepartements(): Iterable<CopyValue[]> {
    for (const d of this.geo.departements) yield [d.code, d.nom, d.libelle, d.codeRegion, d.nomRegion];
  }

  private *refBassins(): Iterable<CopyValue[]> {
    for (const b of this.geo.bassins) yield [b.code, b.nom, b.departement, b.codeRegion, true];
  }

  private *refEpcis(): Iterable<CopyValue[]> {
    for (const e of this.geo.epcis) yield [e.code, e.nom, e.nature];
  }

  private *refCommunes(): Iterable<CopyValue[]> {
    for (const c of this.geo.communes) {
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

  // ------------------------------------------------------------------------------------------
  // Shared drawing helpers
  // ------------------------------------------------------------------------------------------

  private commune(code: string): Commune {
    const found = this.geo.communes.find((c) => c.code === code);
    if (!found) throw new Error(`unknown commune ${code}`);
    return found;
  }

  private newSiren(rng: Rng, prefix = ""): string {
    for (;;) {
      const digits = `${prefix}${rng.int(3, 9)}${String(rng.int(0, 99_999_999)).padStart(8, "0")}`.slice(
        0,
        9,
      );
      if (!this.usedSirens.has(digits)) {
        this.usedSirens.add(digits);
        return digits;
      }
    }
  }

  private siret(siren: string, establishment: number): string {
    return completeSiret(`${siren}${String(establishment).padStart(4, "0")}`);
  }

  private day(rng: Rng, from: number, to: number): number {
    return rng.int(from, Math.max(from, to));
  }

  // ------------------------------------------------------------------------------------------
  // Structures
  // ------------------------------------------------------------------------------------------

  private structureName(rng: Rng, type: StructureType, commune: Commune): string {
    const template = rng.pick(STRUCTURE_NAMES[type]);
    const de = /^[AEIOUYÉÈÊÎÏÔÂH]/u.test(commune.nom) ? `d'${commune.nom}` : `de ${commune.nom}`;
    return template.replace("{w}", rng.pick(NAME_WORDS)).replace("{de}", de);
  }

  private buildStructures(): void {
    if (this.structures.length > 0) return;
    const rng = this.rng("structures");
    let nextId: number = FIRST_GENERATED_ID.structure;
    let nextAsp = 3001;
    const add = (model: StructureModel) => {
      this.structures.push(model);
      this.structuresById.set(model.id, model);
    };

    for (const demo of DEMO_STRUCTURES) {
      const commune = this.commune(demo.codeCommune);
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
        dept: this.geo.departement(demo.departement),
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
      const siren = this.newSiren(rng);
      const model: StructureModel = {
        id: nextId++,
        idAsp,
        siret: this.siret(siren, 1),
        nom: this.structureName(rng, type, commune),
        type,
        source,
        parentId: null,
        active: rng.chance(0.96),
        convergence: type === "ACI" && rng.chance(0.05),
        commune,
        dept,
        registered: this.day(rng, dayOf("2019-06-01"), this.reference - 60),
        hires: [],
      };
      add(model);
      return model;
    };

    // Every département has at least an ACI and one more SIAE, then the rest follows the weights.
    const siae: StructureModel[] = [];
    for (const dept of this.geo.departements) {
      siae.push(created("ACI", dept, "ASP", nextAsp++), created(siaeTypes.pick(rng), dept, "ASP", nextAsp++));
    }
    for (let i = this.geo.departements.length * 2; i < this.count(750); i++) {
      siae.push(created(siaeTypes.pick(rng), this.geo.departementPicker.pick(rng), "ASP", nextAsp++));
    }
    // A few SIAE were created by the support team without an ASP convention: no SIAE statistics.
    for (let i = 0; i < Math.max(3, this.count(20)); i++) {
      created(siaeTypes.pick(rng), this.geo.departementPicker.pick(rng), "STAFF_CREATED", null);
    }
    // Antennas: same convention (id_asp) as their parent, same SIREN, another establishment.
    for (const parent of siae) {
      if (parent.type === "EITI" || !rng.chance(0.06)) continue;
      const commune = parent.dept.communePicker.pick(rng);
      add({
        ...parent,
        id: nextId++,
        siret: this.siret(parent.siret.slice(0, 9), 2),
        nom: `${parent.nom} — antenne de ${commune.nom}`,
        source: "USER_CREATED",
        parentId: parent.id,
        commune,
        registered: this.day(rng, parent.registered, this.reference - 30),
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
      for (let i = 0; i < this.count(base); i++)
        created(type, this.geo.departementPicker.pick(rng), source, null);
    }
  }

  private *structureRows(): Iterable<CopyValue[]> {
    this.buildStructures();
    for (const s of this.structures) {
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

  // ------------------------------------------------------------------------------------------
  // Organisations (prescribers and orienteurs)
  // ------------------------------------------------------------------------------------------

  private buildOrganisations(): void {
    if (this.organisations.length > 0) return;
    const rng = this.rng("organisations");
    let nextId: number = FIRST_GENERATED_ID.organisation;
    let ftEstablishment = 1;
    const usedSafir = new Set<string>([DEMO_ORGANISATIONS.ft69.codeSafir]);
    const allCodes = this.geo.departements.filter((d) => d.codeRegion !== null).map((d) => d.code);

    const ftSiret = (): string => {
      for (;;) {
        const candidate = this.siret(FRANCE_TRAVAIL_SIREN, ftEstablishment++);
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
        registered: this.day(rng, dayOf("2019-06-01"), this.reference - 30),
        activity:
          fields.activity ??
          (fields.niveauFt && fields.niveauFt !== "agence" ? 0 : (PRESCRIBER_ACTIVITY[fields.type] ?? 1)),
      };
      this.organisations.push(model);
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
      dept: this.geo.departement(cd33.departement),
      commune: this.commune(DEMO_ORGANISATION_COMMUNES[cd33.id]!),
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
      dept: this.geo.departement(ft69.departement),
      commune: this.commune(DEMO_ORGANISATION_COMMUNES[ft69.id]!),
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
    ft("France Travail — Direction générale", this.geo.departement("75"), "00162", "DGFT", allCodes);
    for (const region of this.geo.regions) {
      const seat = this.geo.departement(region.chefLieuDepartement);
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
      const dept = this.geo.departement(scope[0]!);
      ft(
        `France Travail — Direction territoriale ${scope.map((c) => this.geo.departement(c).deNom).join(" et ")}`,
        dept,
        safir,
        "DTFT",
        scope,
      );
    }
    for (let i = 0; i < 12; i++) {
      const dept = this.geo.departementPicker.pick(rng);
      const prefix = safirPrefix(dept.code);
      const safir = `${prefix}1${prefix.length === 3 ? i % 10 : String(i).padStart(2, "0")}`;
      if (usedSafir.has(safir) || dept.codeRegion === null) continue;
      ft(`France Travail — Direction territoriale ${dept.deNom}`, dept, safir, "DTFT", [dept.code]);
    }
    const agencySafir = (dept: GeoDepartement): string => {
      const prefix = safirPrefix(dept.code);
      for (;;) {
        const safir = `${prefix}${String(rng.int(0, dept.code.length === 3 ? 99 : 999)).padStart(5 - prefix.length, "0")}`;
        if (!usedSafir.has(safir) && !safir.endsWith("980")) return safir;
      }
    };
    const agency = (dept: GeoDepartement) => {
      const commune = dept.communePicker.pick(rng);
      const safir = agencySafir(dept);
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

    const otherSiret = () => this.siret(this.newSiren(rng), rng.int(1, 40));
    const org = (type: string, dept: GeoDepartement, nom: string, habilitee = true, brsa = false) =>
      add({ ...common, siret: otherSiret(), nom, type, habilitee, brsa, dept });

    // One per département: the conseil départemental, Cap emploi, an agency, a Mission locale.
    for (const dept of this.geo.departements) {
      if (dept.codeRegion === null) {
        // Saint-Pierre-et-Miquelon: a single agency-like prescriber, outside every hierarchy.
        org("Autre", dept, `Maison de l'emploi ${dept.deNom}`);
        continue;
      }
      if (dept.code !== cd33.departement) org("DEPT", dept, `Conseil départemental ${dept.deNom}`);
      org("CAP_EMPLOI", dept, `Cap emploi ${dept.nom}`);
      org(
        "ML",
        dept,
        `Mission locale ${dept.chefLieu.nom.startsWith("A") ? "d'" : "de "}${dept.chefLieu.nom}`,
      );
      agency(dept);
    }
    const metro = new WeightedPicker(
      this.geo.departements.filter((d) => d.codeRegion !== null),
      this.geo.departements.filter((d) => d.codeRegion !== null).map((d) => d.weight),
    );
    for (let i = 0; i < this.count(160); i++) agency(metro.pick(rng));
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
      for (let i = 0; i < this.count(base); i++) {
        const dept = metro.pick(rng);
        const model = org(type, dept, "");
        model.nom = name(model.commune);
      }
    }
    // Orienteurs: not authorised to prescribe, their applications are "Orienteur".
    for (let i = 0; i < this.count(200); i++) {
      const dept = metro.pick(rng);
      const model = org("Autre", dept, "", false);
      model.nom = `Association ${rng.pick(NAME_WORDS)} (${model.commune.nom})`;
    }
    // Negative controls: DEPT organisations flagged bRSA are not conseils départementaux.
    for (const code of ["62", "13", "93", "974"]) {
      const dept = this.geo.departement(code);
      org("DEPT", dept, `Organisation conventionnée pour le suivi des bRSA ${dept.deNom}`, true, true);
    }
  }

  private *organisationRows(): Iterable<CopyValue[]> {
    this.buildOrganisations();
    for (const o of this.organisations) {
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

  // ------------------------------------------------------------------------------------------
  // Institutions and networks
  // ------------------------------------------------------------------------------------------

  private *institutionRows(): Iterable<CopyValue[]> {
    const rng = this.rng("institutions");
    const stateSiret = () => this.siret(this.newSiren(rng, "130").slice(0, 9), rng.int(1, 60));
    const dept = (code: string) => {
      const d = this.geo.departement(code);
      return [d.code, d.libelle, d.codeRegion, d.nomRegion] as const;
    };
    const region = (code: string) => [null, null, code, this.geo.region(code).nom] as const;
    const national = [null, null, null, null] as const;
    const { ddets93, dreetsIdf, dgefp, reseau } = DEMO_INSTITUTIONS;

    yield [ddets93.id, ddets93.type, ddets93.nom, ddets93.siret, ...dept(ddets93.departement)];
    yield [dreetsIdf.id, dreetsIdf.type, dreetsIdf.nom, dreetsIdf.siret, ...region(dreetsIdf.codeRegion)];
    yield [dgefp.id, dgefp.type, dgefp.nom, dgefp.siret, ...national];
    yield [reseau.id, reseau.type, reseau.nom, reseau.siret, ...national];

    let nextId: number = FIRST_GENERATED_ID.institution;
    for (const d of this.geo.departements) {
      if (d.codeRegion === null || d.code === ddets93.departement) continue;
      const prefix = d.code.length === 3 ? "DEETS" : "DDETS";
      yield [nextId++, "DDETS IAE", `${prefix} ${d.deNom}`, stateSiret(), ...dept(d.code)];
    }
    nextId = 700;
    for (const d of this.geo.departements.filter((x) => x.codeRegion !== null && x.code.length === 2)) {
      if (!rng.chance(0.2)) continue;
      yield [nextId++, "DDETS LOG", `DDETS ${d.deNom} (logement)`, stateSiret(), ...dept(d.code)];
    }
    nextId = 800;
    for (const r of this.geo.regions) {
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
    yield [902, "CONVERGENCE", "Convergence France", this.siret(this.newSiren(rng), 1), ...national];
    for (const [id, nom] of NETWORKS)
      yield [id, "Réseau IAE", nom, this.siret(this.newSiren(rng), 1), ...national];
  }

  private *networkRows(): Iterable<CopyValue[]> {
    this.buildStructures();
    const rng = this.rng("reseaux_adherents");
    const since = () => (rng.chance(0.2) ? null : isoOf(this.day(rng, dayOf("2015-01-01"), this.reference)));
    const reseau = DEMO_INSTITUTIONS.reseau;
    for (const id of reseau.members) {
      const s = this.structuresById.get(id)!;
      yield [reseau.id, reseau.nom, s.siret, s.id, since()];
    }
    const names = new Map(NETWORKS);
    const demoIds = new Set<number>(DEMO_STRUCTURES.map((s) => s.id));
    for (const s of this.structures) {
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
    for (let i = 0; i < this.count(8); i++) {
      const [id, nom] = rng.pick(NETWORKS);
      yield [id, nom, this.siret(this.newSiren(rng), 1), null, since()];
    }
  }

  // ------------------------------------------------------------------------------------------
  // Candidates and applications
  // ------------------------------------------------------------------------------------------

  private prescribersByDept(): Map<
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
    for (const dept of this.geo.departements) {
      const here = this.organisations.filter((o) => o.dept === dept && o.activity > 0);
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

  private *candidatRows(): Iterable<CopyValue[]> {
    this.buildStructures();
    this.buildOrganisations();
    const rng = this.rng("candidats");
    const prescribers = this.prescribersByDept();
    const siaeByDept = new Map<string, StructureModel[]>();
    for (const s of this.structures) {
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
    const n = this.count(36_000);
    const start = dayOf("2024-01-01");
    this.candidatDept = [];
    this.candidatRegistered = [];
    this.candidatDiagnosticOrg = [];
    this.candidatSexe = [];
    for (let id = 1; id <= n; id++) {
      const dept = this.geo.departementPicker.pick(rng);
      const sexe = rng.chance(0.39) ? "F" : "M";
      const [minAge, maxAge, tranche] = ages.pick(rng);
      const registered = this.day(rng, start, this.reference - 3);
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
      this.candidatDept.push(dept);
      this.candidatRegistered.push(registered);
      this.candidatDiagnosticOrg.push(org);
      this.candidatSexe.push(sexe);
      yield [
        id,
        sha256(`${this.seed}/nir/${id}`),
        sexe,
        this.year - rng.int(minAge, maxAge),
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
        diagnosed !== null && diagnosed >= this.reference - 183,
      ];
    }
  }

  private *candidatureRows(): Iterable<CopyValue[]> {
    const rng = this.rng("candidatures");
    const prescribers = this.prescribersByDept();
    const demoIds = new Set<number>(DEMO_STRUCTURES.map((s) => s.id));
    const targetsByDept = new Map<string, WeightedPicker<StructureModel>>();
    for (const dept of this.geo.departements) {
      const here = this.structures.filter(
        (s) => s.dept === dept && s.active && STRUCTURE_ATTRACTION[s.type] > 0,
      );
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
    const metro = this.geo.departements.filter((d) => d.codeRegion !== null);

    for (let index = 0; index < this.candidatDept.length; index++) {
      const candidat = index + 1;
      const home = this.candidatDept[index]!;
      const registered = this.candidatRegistered[index]!;
      const diagnosticOrg = this.candidatDiagnosticOrg[index]!;
      const count = 1 + rng.geometric(0.4, 7);
      let day = registered + rng.int(0, 20);
      for (let k = 0; k < count && day <= this.reference; k++) {
        // Most applications stay in the candidate's département; some cross a border.
        const targetDept = rng.chance(0.9) ? home : this.geo.departementPicker.pick(rng);
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
        const age = this.reference - day;
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
        const hired =
          accepted && treated !== null ? Math.min(this.reference, treated + rng.int(0, 15)) : null;
        const id = rng.uuid();
        if (accepted && hired !== null) {
          if (IAE.has(structure.type)) this.hires.push({ candidat, structure, candidature: id, day: hired });
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
        ];
        if (accepted && rng.chance(0.7)) break;
        day += rng.int(1, 90);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // PASS IAE
  // ------------------------------------------------------------------------------------------

  private *passRows(): Iterable<CopyValue[]> {
    const rng = this.rng("pass_iae");
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
      sha256(`${this.seed}/pass/${id++}`),
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
      end >= this.reference && rng.chance(0.04),
      prolongations,
    ];
    for (const hire of this.hires) {
      if ((validUntil.get(hire.candidat) ?? -1) >= hire.day) continue;
      // Two years, sometimes extended once or twice.
      const prolongations = rng.chance(0.08) ? rng.int(1, 2) : 0;
      let end = hire.day + 729;
      for (let i = 0; i < prolongations; i++) end += rng.int(90, 365);
      validUntil.set(hire.candidat, end);
      yield row("PASS IAE", hire.day, end, hire.candidat, hire.structure, hire.candidature, prolongations);
    }
    // Old "Agrément PE" approvals (before the PASS IAE), long expired, to be excluded by questions.
    const siae = this.structures.filter((s) => IAE.has(s.type));
    for (let candidat = 7; candidat <= this.candidatDept.length; candidat += 40) {
      const start = this.day(rng, dayOf("2019-01-01"), dayOf("2021-06-30"));
      yield row("Agrément PE", start, start + 729, candidat, rng.pick(siae), null, 0);
    }
  }

  // ------------------------------------------------------------------------------------------
  // ETP conventionnés (annexes financières) and réalisés (états mensuels individuels)
  // ------------------------------------------------------------------------------------------

  private *annexeRows(): Iterable<CopyValue[]> {
    const rng = this.rng("annexes_financieres");
    let id = 1;
    const order = new Map<string, number>();
    const conventioned = this.structures.filter(
      (s) => IAE.has(s.type) && s.idAsp !== null && s.parentId === null,
    );
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
      const firstYear = rng.chance(0.07) ? this.year - rng.int(0, 1) : this.year - 2;
      const [mean, spread] = typicalEtp[s.type]!;
      let etp = Math.max(1, rng.around(mean, spread));
      const mesures = [`${s.type}_DC`];
      if ((s.type === "ACI" && rng.chance(0.15)) || (s.type === "EI" && rng.chance(0.1)))
        mesures.push(`${s.type}_MP`);
      const cofinanced = s.type === "ACI" && rng.chance(0.25);
      for (let year = firstYear; year <= this.year; year++) {
        etp = Math.max(0.5, etp * (1 + rng.around(0, 0.12)));
        const start = midYear ? firstDayOfMonth(year, 7) : firstDayOfMonth(year, 1);
        const end = midYear ? lastDayOfMonth(year + 1, 6) : lastDayOfMonth(year, 12);
        for (const mesure of mesures) {
          const etpCents = Math.round((mesure.endsWith("_MP") ? etp / 3 : etp) * 100);
          yield this.annexe(rng, id++, s, mesure, start, end, etpCents, year, order, cofinanced);
        }
        // Fonds départemental d'insertion: an annex that is not ETP, to be excluded by questions.
        if (rng.chance(0.05)) yield this.annexe(rng, id++, s, "FDI_DC", start, end, 0, year, order, false);
      }
    }
  }

  private annexe(
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
    this.annexes.push({ id, structure: s, mesure, start, end, etpCents, fdi });
    const prefix = fdi ? "FDI" : s.type;
    const key = `${prefix}${asp3(s.dept.code)}${String(year % 100).padStart(2, "0")}`;
    const rank = (order.get(key) ?? 0) + 1;
    order.set(key, rank);
    const months = 12;
    const unitCents = fdi ? 0 : Math.round(AIDE_PAR_ETP_CENTS[s.type]! * (1 - 0.03 * (this.year - year)));
    const totalCents = fdi
      ? rng.int(500_000, 5_000_000)
      : Math.round((etpCents * unitCents * months) / 12 / 100);
    const cofinanceCents = cofinanced ? Math.round((totalCents * rng.int(10, 30)) / 100) : 0;
    const etat =
      end < this.reference ? "CLOTURE" : year === this.year && rng.chance(0.15) ? "PROVISOIRE" : "VALIDE";
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
    ];
  }

  private *monthlyStatementRows(): Iterable<CopyValue[]> {
    const rng = this.rng("etats_mensuels_individuels");
    const firstMonth = firstDayOfMonth(this.year - 1, 1);
    const lastMonth = firstDayOfMonth(this.year, monthOf(this.reference));
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
    for (const annexe of this.annexes) {
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
                ? this.candidatSexe[candidat - 1]!
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
          ];
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // ESAT
  // ------------------------------------------------------------------------------------------

  private esats: Array<{ finess: string; statut: string; capacite: number; dept: GeoDepartement }> = [];

  private *esatRows(): Iterable<CopyValue[]> {
    const rng = this.rng("esat");
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
    this.esats = [];
    for (let i = 0; i < this.count(280); i++) {
      const dept = this.geo.departementPicker.pick(rng);
      const commune = dept.communePicker.pick(rng);
      const num = finess(dept);
      const known = managers.get(dept.code) ?? [];
      const manager = known.length > 0 && rng.chance(0.3) ? rng.pick(known) : finess(dept);
      managers.set(dept.code, [...known, manager]);
      const statut = statuts.pick(rng);
      const capacite = clamp(Math.round(rng.around(60, 45)), 15, 220);
      this.esats.push({ finess: num, statut, capacite, dept });
      yield [
        num,
        manager,
        this.siret(this.newSiren(rng), rng.int(1, 30)),
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

  private *esatAnswerRows(): Iterable<CopyValue[]> {
    const rng = this.rng("esat_reponses");
    for (const [millesime, rate] of [
      [this.year - 2, 0.6],
      [this.year - 1, 0.75],
    ] as const) {
      for (const e of this.esats) {
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
