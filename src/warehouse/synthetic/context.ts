import { createHash } from "node:crypto";
import { completeSiret } from "../../siret.js";
import { dayOf, yearOf } from "../calendar.js";
import { RESERVED_SIRENS } from "../demo-rows.js";
import { loadGeography, type Commune, type GeoDepartement, type Geography } from "../geography.js";
import { createRng, WeightedPicker, type Rng } from "../random.js";

/**
 * What the families of the synthetic warehouse share (src/warehouse/synthetic/*.ts): the geography, one
 * random stream per table, the SIRENs already drawn, and the models a later table builds on (structures
 * for applications and annexes, hires for PASS IAE and monthly statements…). Each family file reads and
 * fills it; src/warehouse/generate.ts calls them in load order.
 */

/** The day the synthetic data stops ("données arrêtées au"): fixed, so a seed means the same data on any day. */
export const REFERENCE_DATE = "2026-10-31";

export type CopyValue = string | number | boolean | null | readonly string[];

export const SIAE_TYPES = ["ACI", "AI", "EI", "ETTI", "EITI"] as const;
export type StructureType = (typeof SIAE_TYPES)[number] | "EA" | "EATT" | "GEIQ" | "OPCS";

export const IAE = new Set<string>(SIAE_TYPES);

export interface StructureModel {
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

export interface OrganisationModel {
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

/** An institution (State service or network) as the members' generator needs it. */
export interface InstitutionModel {
  id: number;
  type: string;
  nom: string;
}

export interface AnnexeModel {
  id: number;
  structure: StructureModel;
  mesure: string;
  start: number;
  end: number;
  etpCents: number;
  fdi: boolean;
}

export interface Hire {
  candidat: number;
  structure: StructureModel;
  candidature: string;
  day: number;
}

export interface EsatModel {
  finess: string;
  statut: string;
  capacite: number;
  dept: GeoDepartement;
}

export const NAME_WORDS = [
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

export function picker<T>(entries: ReadonlyArray<[T, number]>): WeightedPicker<T> {
  return new WeightedPicker(
    entries.map(([value]) => value),
    entries.map(([, weight]) => weight),
  );
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function cents(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

export class SyntheticWarehouse {
  readonly geo: Geography;
  readonly scale: number;
  readonly seed: string;
  readonly reference = dayOf(REFERENCE_DATE);
  readonly year = yearOf(dayOf(REFERENCE_DATE));
  readonly usedSirens = new Set<string>(RESERVED_SIRENS);

  readonly structures: StructureModel[] = [];
  readonly structuresById = new Map<number, StructureModel>();
  readonly organisations: OrganisationModel[] = [];
  readonly institutions: InstitutionModel[] = [];
  candidatDept: GeoDepartement[] = [];
  candidatRegistered: number[] = [];
  candidatDiagnosticOrg: (OrganisationModel | null)[] = [];
  candidatSexe: string[] = [];
  readonly hires: Hire[] = [];
  readonly annexes: AnnexeModel[] = [];
  esats: EsatModel[] = [];

  constructor(options: { seed: string; scale: number }) {
    if (!(options.scale > 0)) throw new Error(`scale must be positive, got ${options.scale}`);
    this.scale = options.scale;
    this.seed = options.seed;
    this.geo = loadGeography();
  }

  /** One independent random stream per table, so that changing one table does not shift the others. */
  rng(stream: string): Rng {
    return createRng(`${this.seed}/${stream}`);
  }

  count(base: number): number {
    return Math.max(1, Math.round(base * this.scale));
  }

  commune(code: string): Commune {
    const found = this.geo.communes.find((c) => c.code === code);
    if (!found) throw new Error(`unknown commune ${code}`);
    return found;
  }

  newSiren(rng: Rng, prefix = ""): string {
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

  siret(siren: string, establishment: number): string {
    return completeSiret(`${siren}${String(establishment).padStart(4, "0")}`);
  }

  day(rng: Rng, from: number, to: number): number {
    return rng.int(from, Math.max(from, to));
  }
}
