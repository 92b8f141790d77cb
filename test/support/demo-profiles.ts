import type { Dashboard } from "../../src/catalog/types.js";
import type { Perimeter } from "../../src/perimeter/lock-values.js";
import type { ProfileKind } from "../../src/perimeter/placement.js";
import { ALL_DEPARTEMENT_CODES, findDepartement, findRegion } from "../../src/territories/territories.js";

/**
 * The demo accounts of PRODUCT.md §6 (a contract), written out by hand: the oracle the tests check the
 * placement, the lock values and the embeds against. It must stay independent of src/demo/accounts.ts
 * and src/perimeter/ (the code under test): deriving it from them would make the tests check the code
 * against itself. Where §6 says "its member structures" or "its own structures (at least two)", and for
 * the régions and organisations behind a département, the ids are those of the demo organisations in
 * the synthetic warehouse.
 */
export interface DocumentedProfile {
  kind: ProfileKind;
  perimeter: Perimeter;
}

/** Région 11 as §6 lists it. */
export const IDF_DEPARTEMENTS: readonly string[] = ["75", "77", "78", "91", "92", "93", "94", "95"];

/** Every demo account's documented profile; `null` for the person the gateway cannot place. */
export const DOCUMENTED_PROFILES: Readonly<Record<string, DocumentedProfile | null>> = {
  "agent.ddets93@demo.pilotage.test": { kind: "ddets", perimeter: { departements: ["93"], region: "11" } },
  "agent.dreets-idf@demo.pilotage.test": {
    kind: "dreets",
    perimeter: { departements: IDF_DEPARTEMENTS, region: "11" },
  },
  "agent.dgefp@demo.pilotage.test": { kind: "dgefp", perimeter: { departements: ALL_DEPARTEMENT_CODES } },
  "agent.cd33@demo.pilotage.test": {
    kind: "conseil_departemental",
    perimeter: { departements: ["33"], region: "75", organisation: 1 },
  },
  "conseiller.ft69@demo.pilotage.test": {
    kind: "france_travail",
    perimeter: { departements: ["69"], region: "84", organisation: 2 },
  },
  "direction.reseau@demo.pilotage.test": {
    kind: "reseau_iae",
    perimeter: { reseau: 4, structures: [1001, 1004, 1005, 1006] },
  },
  "employeur.siae@demo.pilotage.test": {
    kind: "employeur_siae",
    perimeter: { structures: [1001, 1002, 1003] },
  },
  "admin@demo.pilotage.test": { kind: "staff", perimeter: { departements: ALL_DEPARTEMENT_CODES } },
  "inconnu@demo.pilotage.test": null,
};

/** The documented profile of a demo account; throws for an e-mail §6 does not list. */
export function documentedProfile(email: string): DocumentedProfile | null {
  const documented = DOCUMENTED_PROFILES[email];
  if (documented === undefined) throw new Error(`${email} is not a demo account of PRODUCT.md §6`);
  return documented;
}

/**
 * The value a documented perimeter gives a locked attribute (undefined when it has none to give),
 * computed without src/perimeter. An attribute this oracle does not know fails the test: add it here
 * from PRODUCT.md §3 rather than let the test guess.
 */
export function documentedLock(perimeter: Perimeter, attribute: string): string | string[] | undefined {
  switch (attribute) {
    case "departements":
      return perimeter.departements?.length ? [...perimeter.departements] : undefined;
    case "departement_labels":
      return perimeter.departements?.length
        ? perimeter.departements.map((c) => findDepartement(c)!.libelle)
        : undefined;
    case "region": {
      // Only a perimeter that is the whole région sees it (a DDETS carries its région's code too).
      const region = perimeter.region ? findRegion(perimeter.region) : undefined;
      const departements = [...(perimeter.departements ?? [])].sort();
      return region && JSON.stringify([...region.departements].sort()) === JSON.stringify(departements)
        ? region.nom
        : undefined;
    }
    case "structures":
      return perimeter.structures?.length ? perimeter.structures.map(String) : undefined;
    case "reseau":
      return perimeter.reseau === undefined ? undefined : String(perimeter.reseau);
    case "organisation":
      return perimeter.organisation === undefined ? undefined : String(perimeter.organisation);
    // Filled in from the warehouse by withDocumentedTerritories (test/support/documented-territories.ts).
    case "bassins":
      return perimeter.bassins?.length ? [...perimeter.bassins] : undefined;
    case "epci":
      return perimeter.epci?.length ? [...perimeter.epci] : undefined;
    default:
      throw new Error(`the demo-profile oracle does not know the lock attribute ${attribute}`);
  }
}

export type DocumentedAccess =
  { allowed: true; locks: Record<string, string | string[]> } | { allowed: false };

/**
 * What PRODUCT.md §1 and §3 say a profile gets on a dashboard: a public dashboard without locks opens
 * for everyone; otherwise the kind must be in its audiences (staff open any), and every locked
 * parameter must get a non-empty value, or access is refused (an empty lock never means "everything").
 */
export function documentedAccess(profile: DocumentedProfile | null, dashboard: Dashboard): DocumentedAccess {
  const locked = dashboard.parameters.filter((p) => p.locked);
  if (dashboard.public && locked.length === 0) return { allowed: true, locks: {} };
  if (profile === null) return { allowed: false };
  if (profile.kind !== "staff" && !dashboard.audiences.includes(profile.kind)) return { allowed: false };
  const locks: Record<string, string | string[]> = {};
  for (const parameter of locked) {
    const value = documentedLock(profile.perimeter, parameter.locked!);
    if (value === undefined) return { allowed: false };
    locks[parameter.slug] = value;
  }
  return { allowed: true, locks };
}

/** `/api/me` as far as the profile goes. */
export interface MeAnswer {
  profile: null | {
    kind: string;
    perimeter: {
      departements: Array<{ code: string }>;
      region: { code: string } | null;
      structures: number[];
      reseau: number | null;
      organisation: number | null;
    };
  };
}

/** The profile `/api/me` reports, in the oracle's shape (absent attributes left out), to compare with it. */
export function profileOfMe(me: MeAnswer): DocumentedProfile | null {
  if (!me.profile) return null;
  const p = me.profile.perimeter;
  return {
    kind: me.profile.kind as ProfileKind,
    perimeter: {
      ...(p.departements.length > 0 ? { departements: p.departements.map((d) => d.code) } : {}),
      ...(p.region ? { region: p.region.code } : {}),
      ...(p.structures.length > 0 ? { structures: p.structures } : {}),
      ...(p.reseau !== null ? { reseau: p.reseau } : {}),
      ...(p.organisation !== null ? { organisation: p.organisation } : {}),
    },
  };
}
