import { DEMO_EMPLOYER, DEMO_INSTITUTIONS, DEMO_ORGANISATIONS } from "../demo/accounts.js";

/**
 * The fixed rows around the demo accounts (src/demo/accounts.ts is the contract: ids, SIRETs, types,
 * départements, SAFIR code, network members). What the contract leaves open (communes, the three other
 * member structures of the demo network) is fixed here so the demo always shows the same places.
 * Generated rows take ids above these ranges, and never reuse a demo SIREN.
 */

export interface DemoStructure {
  id: number;
  siret: string;
  type: string;
  nom: string;
  departement: string;
  codeCommune: string;
}

/** The other members of the demo network, in three other départements. */
const DEMO_NETWORK_OTHERS = [
  {
    id: 1004,
    siret: "44100001000013",
    type: "EI",
    nom: "Phocée Insertion",
    departement: "13",
    codeCommune: "13055",
  },
  {
    id: 1005,
    siret: "44100002000012",
    type: "ETTI",
    nom: "Nord Intérim Solidaire",
    departement: "59",
    codeCommune: "59350",
  },
  {
    id: 1006,
    siret: "44100003000011",
    type: "EI",
    nom: "Rennes Bâtiment Insertion",
    departement: "35",
    codeCommune: "35238",
  },
] as const;

const EMPLOYER_COMMUNES: Record<number, string> = { 1001: "93066", 1002: "93048", 1003: "95018" };

export const DEMO_STRUCTURES: readonly DemoStructure[] = [
  ...DEMO_EMPLOYER.structures.map((s) => ({
    id: s.id,
    siret: s.siret,
    type: s.type,
    nom: s.nom,
    departement: s.departement,
    codeCommune: EMPLOYER_COMMUNES[s.id]!,
  })),
  ...DEMO_NETWORK_OTHERS,
];

export const DEMO_ORGANISATION_COMMUNES: Record<number, string> = {
  [DEMO_ORGANISATIONS.cd33.id]: "33063",
  [DEMO_ORGANISATIONS.ft69.id]: "69123",
};

/** France Travail is one legal entity: every agency and direction shares its SIREN. */
export const FRANCE_TRAVAIL_SIREN = DEMO_ORGANISATIONS.ft69.siret.slice(0, 9);

/** Every SIREN the generated rows must avoid: the demo ones and the "unknown" ones of accounts.ts. */
export const RESERVED_SIRENS: readonly string[] = [
  DEMO_EMPLOYER.siren,
  ...DEMO_STRUCTURES.map((s) => s.siret.slice(0, 9)),
  ...Object.values(DEMO_INSTITUTIONS).map((i) => i.siret.slice(0, 9)),
  DEMO_ORGANISATIONS.cd33.siret.slice(0, 9),
  FRANCE_TRAVAIL_SIREN,
  "110010001",
  "130099999",
  "555000099",
];

/** First ids of generated rows (demo rows sit below). */
export const FIRST_GENERATED_ID = { structure: 1100, organisation: 100, institution: 500 } as const;

/**
 * Members of les emplois beside the demo accounts (whose memberships are in src/demo/accounts.ts), fixed
 * so that tests can name them: someone on one structure only of the demo employer, and the head of a
 * member structure of the demo network, which belongs to another SIREN.
 */
export const REFERENCE_MEMBERS: ReadonlyArray<{ email: string; structure: number; role: string }> = [
  { email: "chef.chantier@ateliers-solidaires.test", structure: 1001, role: "membre" },
  { email: "direction@phocee-insertion.test", structure: 1004, role: "administrateur" },
];
