import { z } from "zod";
import { DEMO_ACCOUNTS, MINISTRY_DEFAULT_SIRET } from "../demo/accounts.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import { warehouseDirectory } from "../perimeter/organisation-directory.js";
import { organisationPlacement } from "../perimeter/organisation-placement.js";
import {
  PROFILE_LABELS,
  resolvePlacements,
  type PlacementRules,
  type ProfileKind,
} from "../perimeter/placement.js";
import { effectivePerimeter } from "../perimeter/narrowing.js";
import type { Queryable } from "../storage/database.js";
import { readTerritoryReference } from "../territories/reference.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";

/**
 * The profiles `pilotage test` runs every dashboard under: the demo accounts of PRODUCT.md §6, placed on
 * the warehouse by the gateway's own directory and placement rules (members of their organisations, so
 * the perimeters are exactly what those people would get), plus profiles the demo lacks, taken from the
 * warehouse as their members would see them: a prescriber, a France Travail territorial direction
 * covering two départements, and staff.
 */
export interface SampleProfile {
  /** French, for messages: "DDETS 93 (agent.ddets93@demo.pilotage.test)". */
  label: string;
  kind: ProfileKind;
  perimeter: Perimeter;
}

const REFERENCE_NOW = new Date("2026-11-01T00:00:00Z");

/**
 * The demo accounts are members of their organisations in the synthetic warehouse: no e-mail domain is
 * needed, and the demo's France Travail provider is trusted for SAFIR codes, as the demo does.
 */
const SAMPLE_RULES: PlacementRules = {
  untrustedSirets: [MINISTRY_DEFAULT_SIRET],
  franceTravail: { idpIds: ["france-travail"], emailDomains: [] },
  stateDomains: { dgefp: [], dreets: {}, ddets: {} },
};

function scope(perimeter: Perimeter): string {
  if (perimeter.structures && perimeter.reseau === undefined)
    return `structures ${perimeter.structures.join(", ")}`;
  if (perimeter.reseau !== undefined) return `réseau ${perimeter.reseau}`;
  const departements = perimeter.departements ?? [];
  if (departements.length >= ALL_DEPARTEMENT_CODES.length) return "France entière";
  const base = departements.length > 3 ? `${departements.length} départements` : departements.join(", ");
  return perimeter.organisation !== undefined ? `${base}, organisation ${perimeter.organisation}` : base;
}

async function placeByClaims(
  warehouse: Queryable,
  account: (typeof DEMO_ACCOUNTS)[number],
): Promise<Array<{ kind: ProfileKind; perimeter: Perimeter }>> {
  const safir = account.custom.structureTravail;
  const found = await warehouseDirectory(warehouse).find({
    siret: account.siret,
    safir,
    email: account.email,
  });
  const result = resolvePlacements({
    identity: {
      sub: account.email,
      email: account.email,
      siret: account.siret,
      idpId: account.idpId,
      custom: account.custom,
    },
    grants: [],
    matches: found.matches,
    memberships: found.memberships,
    rules: SAMPLE_RULES,
    now: REFERENCE_NOW,
  });
  return result.placements.map((p) => ({ kind: p.kind, perimeter: p.perimeter }));
}

const OrganisationId = z.object({ id: z.coerce.number() });

export async function sampleProfiles(warehouse: Queryable): Promise<SampleProfile[]> {
  const profiles: SampleProfile[] = [];
  const add = (who: string, placements: Array<{ kind: ProfileKind; perimeter: Perimeter }>) => {
    for (const p of placements) {
      profiles.push({ label: `${PROFILE_LABELS[p.kind]} ${scope(p.perimeter)} (${who})`, ...p });
    }
  };
  for (const account of DEMO_ACCOUNTS) add(account.email, await placeByClaims(warehouse, account));
  // A Mission locale of Seine-Saint-Denis and the France Travail direction covering Sarthe and Mayenne.
  const extras: Array<[string, string]> = [
    [
      "mission locale du 93",
      "SELECT id FROM entrepot.organisations WHERE type = 'ML' AND departement = '93' ORDER BY id LIMIT 1",
    ],
    ["DTFT 72203", "SELECT id FROM entrepot.organisations WHERE code_safir = '72203'"],
  ];
  const directory = warehouseDirectory(warehouse);
  for (const [who, sql] of extras) {
    const row = (await warehouse.query(sql)).rows.map((r) => OrganisationId.parse(r))[0];
    const match = row ? await directory.organisation(row.id) : null;
    const placement = match ? organisationPlacement(match) : null;
    if (placement) add(who, [{ kind: placement.kind, perimeter: placement.perimeter }]);
  }
  profiles.push({
    label: "Équipe Pilotage France entière (aperçu staff)",
    kind: "staff",
    perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
  });

  // Every perimeter with its bassins and EPCI, as the pages work them out; and a DREETS narrowed as a
  // viewer may narrow it (issue 19): to one département, then to the bassin it shares with the next one.
  const reference = await readTerritoryReference(warehouse);
  const complete = profiles.map((p) => ({ ...p, perimeter: effectivePerimeter(p.perimeter, reference) }));
  const dreets = profiles.find((p) => p.kind === "dreets" && (p.perimeter.departements ?? []).includes("93"));
  const straddling = reference.bassinsOf(["93"]).find((b) => b.departements.length > 1);
  if (dreets) {
    for (const choice of [
      { departement: "93" },
      { departement: "93", ...(straddling ? { bassin: straddling.code } : {}) },
    ]) {
      complete.push({
        label: `${dreets.label}, restreint à ${Object.values(choice).join(", ")}`,
        kind: dreets.kind,
        perimeter: effectivePerimeter(dreets.perimeter, reference, choice),
      });
    }
  }
  return complete;
}
