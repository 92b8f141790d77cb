/**
 * The demo accounts of PRODUCT.md §6 and the organisations behind them: a contract shared by the demo
 * identity provider (claims), the synthetic warehouse (the organisations exist there, with these ids and
 * SIRETs) and the tests (each account lands on a documented profile and perimeter).
 * SIRETs are fictitious but well formed (14 digits, Luhn key).
 */

/** Institutions (State services, networks) seeded in the warehouse's `institutions` table. */
export const DEMO_INSTITUTIONS = {
  ddets93: {
    id: 1,
    type: "DDETS IAE",
    nom: "DDETS de la Seine-Saint-Denis",
    siret: "13001009300016",
    departement: "93",
  },
  dreetsIdf: {
    id: 2,
    type: "DREETS IAE",
    nom: "DREETS d'Île-de-France",
    siret: "13002001100016",
    codeRegion: "11",
  },
  dgefp: {
    id: 3,
    type: "DGEFP IAE",
    nom: "Délégation générale à l'emploi et à la formation professionnelle",
    siret: "13003000000017",
  },
  reseau: {
    id: 4,
    type: "Réseau IAE",
    nom: "Réseau Inclusion Démo (fédération d'entreprises d'insertion)",
    siret: "78100000400015",
    /** Member structures (warehouse `structures.id`), in several départements. */
    members: [1001, 1004, 1005, 1006],
  },
} as const;

/** Prescriber organisations seeded in the warehouse's `organisations` table. */
export const DEMO_ORGANISATIONS = {
  cd33: {
    id: 1,
    type: "DEPT",
    nom: "Conseil départemental de la Gironde",
    siret: "22330003300014",
    departement: "33",
    habilitee: true,
    brsa: false,
  },
  ft69: {
    id: 2,
    type: "FT",
    nom: "France Travail Lyon Part-Dieu",
    siret: "13000548100697",
    departement: "69",
    codeSafir: "69181",
    niveauFt: "agence",
    habilitee: true,
    brsa: false,
  },
} as const;

/**
 * The SIAE employer of the demo: one legal entity (one SIREN) running three structures in two
 * départements. Ids are warehouse `structures.id` (C1 ids).
 */
export const DEMO_EMPLOYER = {
  siren: "812000001",
  nom: "Les Ateliers Solidaires Démo",
  structures: [
    {
      id: 1001,
      siret: "81200000100014",
      type: "ACI",
      nom: "Les Ateliers Solidaires — chantier de Saint-Denis",
      departement: "93",
    },
    {
      id: 1002,
      siret: "81200000100022",
      type: "EI",
      nom: "Les Ateliers Solidaires — entreprise d'insertion",
      departement: "93",
    },
    {
      id: 1003,
      siret: "81200000100030",
      type: "ETTI",
      nom: "Les Ateliers Solidaires Intérim",
      departement: "95",
    },
  ],
} as const;

/** A SIRET ProConnect substitutes when an identity provider sends an invalid one (a ministry's head office). */
export const MINISTRY_DEFAULT_SIRET = "11001000100011";
/** The staff organisation (GIP de la plateforme de l'inclusion). Staff are placed by explicit grant. */
export const STAFF_SIRET = "13009999900018";
/** An organisation the warehouse does not know. */
export const UNKNOWN_SIRET = "55500009900013";

export interface DemoAccount {
  email: string;
  givenName: string;
  usualName: string;
  /** ProConnect `uid`, the agent's id at their identity provider. */
  uid: string;
  siret: string;
  organizationLabel: string;
  idpId: string;
  roles: string[];
  /** ProConnect `custom` claim (France Travail's `structureTravail` is the agency's SAFIR code). */
  custom: Record<string, string>;
  /**
   * The person's memberships in les emplois (the warehouse's `annuaire.membres`): the second signal that
   * confirms the SIRET (docs/security.md). Warehouse ids.
   */
  memberOf?: {
    structures?: readonly number[];
    organisations?: readonly number[];
    institutions?: readonly number[];
  };
  /** A fixed ProConnect `sub` (test accounts); by default one derived from the e-mail and provider. */
  sub?: string;
  /** What PRODUCT.md §6 documents for the account. */
  expected: { profile: string; perimeter: string };
}

const AGENT_PUBLIC_ETAT = ["agent_public", "agent_public_etat"];

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    email: "agent.ddets93@demo.pilotage.test",
    givenName: "Camille",
    usualName: "Martin",
    uid: "ddets93-cmartin",
    siret: DEMO_INSTITUTIONS.ddets93.siret,
    organizationLabel: DEMO_INSTITUTIONS.ddets93.nom,
    idpId: "fia1v2",
    roles: AGENT_PUBLIC_ETAT,
    custom: {},
    memberOf: { institutions: [DEMO_INSTITUTIONS.ddets93.id] },
    expected: { profile: "ddets", perimeter: "département 93" },
  },
  {
    email: "agent.dreets-idf@demo.pilotage.test",
    givenName: "Dominique",
    usualName: "Bernard",
    uid: "dreets-dbernard",
    siret: DEMO_INSTITUTIONS.dreetsIdf.siret,
    organizationLabel: DEMO_INSTITUTIONS.dreetsIdf.nom,
    idpId: "fia1v2",
    roles: AGENT_PUBLIC_ETAT,
    custom: {},
    memberOf: { institutions: [DEMO_INSTITUTIONS.dreetsIdf.id] },
    expected: { profile: "dreets", perimeter: "région 11 (75, 77, 78, 91, 92, 93, 94, 95)" },
  },
  {
    email: "agent.dgefp@demo.pilotage.test",
    givenName: "Claude",
    usualName: "Petit",
    uid: "dgefp-cpetit",
    siret: DEMO_INSTITUTIONS.dgefp.siret,
    organizationLabel: DEMO_INSTITUTIONS.dgefp.nom,
    idpId: "fia1v2",
    roles: AGENT_PUBLIC_ETAT,
    custom: {},
    memberOf: { institutions: [DEMO_INSTITUTIONS.dgefp.id] },
    expected: { profile: "dgefp", perimeter: "national (tous les départements)" },
  },
  {
    email: "agent.cd33@demo.pilotage.test",
    givenName: "Alex",
    usualName: "Robert",
    uid: "cd33-arobert",
    siret: DEMO_ORGANISATIONS.cd33.siret,
    organizationLabel: DEMO_ORGANISATIONS.cd33.nom,
    idpId: "fia1v2",
    roles: ["agent_public", "agent_public_territorial"],
    custom: {},
    memberOf: { organisations: [DEMO_ORGANISATIONS.cd33.id] },
    expected: { profile: "conseil_departemental", perimeter: "département 33" },
  },
  {
    email: "conseiller.ft69@demo.pilotage.test",
    givenName: "Sacha",
    usualName: "Richard",
    uid: "ft-srichard",
    siret: DEMO_ORGANISATIONS.ft69.siret,
    organizationLabel: "FRANCE TRAVAIL",
    idpId: "france-travail",
    roles: ["agent_public"],
    custom: { structureTravail: DEMO_ORGANISATIONS.ft69.codeSafir },
    memberOf: { organisations: [DEMO_ORGANISATIONS.ft69.id] },
    expected: { profile: "france_travail", perimeter: "département 69" },
  },
  {
    email: "direction.reseau@demo.pilotage.test",
    givenName: "Morgan",
    usualName: "Durand",
    uid: "reseau-mdurand",
    siret: DEMO_INSTITUTIONS.reseau.siret,
    organizationLabel: DEMO_INSTITUTIONS.reseau.nom,
    idpId: "proconnect-identite",
    roles: [],
    custom: {},
    memberOf: { institutions: [DEMO_INSTITUTIONS.reseau.id] },
    expected: { profile: "reseau_iae", perimeter: "ses structures adhérentes" },
  },
  {
    email: "employeur.siae@demo.pilotage.test",
    givenName: "Jordan",
    usualName: "Moreau",
    uid: "siae-jmoreau",
    siret: DEMO_EMPLOYER.structures[0].siret,
    organizationLabel: DEMO_EMPLOYER.nom,
    idpId: "proconnect-identite",
    roles: [],
    custom: {},
    memberOf: { structures: DEMO_EMPLOYER.structures.map((s) => s.id) },
    expected: { profile: "employeur_siae", perimeter: "ses propres structures (1001, 1002, 1003)" },
  },
  {
    email: "admin@demo.pilotage.test",
    givenName: "Nour",
    usualName: "Lefebvre",
    uid: "staff-nlefebvre",
    siret: STAFF_SIRET,
    organizationLabel: "GIP Plateforme de l'inclusion",
    idpId: "proconnect-identite",
    roles: ["agent_public"],
    custom: {},
    expected: { profile: "staff", perimeter: "tout ; peut prévisualiser n'importe quel profil" },
  },
  {
    email: "inconnu@demo.pilotage.test",
    givenName: "Lou",
    usualName: "Inconnu",
    uid: "inconnu-lou",
    siret: UNKNOWN_SIRET,
    organizationLabel: "Association inconnue",
    idpId: "proconnect-identite",
    roles: [],
    custom: {},
    expected: { profile: "aucun", perimeter: "aucun accès : page de demande d'accès" },
  },
];
