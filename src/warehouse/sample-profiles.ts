import { z } from "zod";
import { DEMO_ACCOUNTS, MINISTRY_DEFAULT_SIRET } from "../demo/accounts.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import { warehouseDirectory } from "../perimeter/organisation-directory.js";
import {
  PROFILE_KINDS,
  PROFILE_LABELS,
  resolvePlacements,
  type PlacementRules,
  type ProfileKind,
} from "../perimeter/placement.js";
import type { Queryable } from "../storage/database.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";

/**
 * The profiles `pilotage test` runs every dashboard under: the demo accounts of PRODUCT.md §6, placed on
 * the warehouse by the gateway's own directory and placement rules (so the perimeters are exactly what
 * those people would get), plus profiles the demo lacks, taken from the warehouse: a prescriber, a France
 * Travail territorial direction covering two départements, and staff.
 */
export interface SampleProfile {
  /** French, for messages: "DDETS 93 (agent.ddets93@demo.pilotage.test)". */
  label: string;
  kind: ProfileKind;
  perimeter: Perimeter;
}

const REFERENCE_NOW = new Date("2026-11-01T00:00:00Z");

/**
 * Sample profiles come from the warehouse's own organisations, not from real ProConnect claims: every
 * kind's e-mail rule accepts the sample domains, and the sample identity provider is trusted for SAFIR
 * codes, so each organisation lands on the perimeter the placement rules give it.
 */
const SAMPLE_IDP = "pilotage-sample";
const SAMPLE_RULES: PlacementRules = {
  emailDomains: Object.fromEntries(
    PROFILE_KINDS.map((kind) => [kind, ["demo.pilotage.test", "exemple.test"]]),
  ),
  untrustedSirets: [MINISTRY_DEFAULT_SIRET],
  franceTravailIdpIds: [SAMPLE_IDP],
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
  claims: { email: string; siret: string; safir?: string | undefined },
): Promise<Array<{ kind: ProfileKind; perimeter: Perimeter }>> {
  const matches = await warehouseDirectory(warehouse).find({ siret: claims.siret, safir: claims.safir });
  const result = resolvePlacements({
    identity: {
      sub: claims.email,
      email: claims.email,
      siret: claims.siret,
      idpId: SAMPLE_IDP,
      custom: claims.safir ? { structureTravail: claims.safir } : {},
    },
    grants: [],
    matches,
    rules: SAMPLE_RULES,
    now: REFERENCE_NOW,
  });
  return result.placements.map((p) => ({ kind: p.kind, perimeter: p.perimeter }));
}

const SiretRow = z.object({ siret: z.string(), code_safir: z.string().nullable() });

export async function sampleProfiles(warehouse: Queryable): Promise<SampleProfile[]> {
  const profiles: SampleProfile[] = [];
  const add = (who: string, placements: Array<{ kind: ProfileKind; perimeter: Perimeter }>) => {
    for (const p of placements) {
      profiles.push({ label: `${PROFILE_LABELS[p.kind]} ${scope(p.perimeter)} (${who})`, ...p });
    }
  };
  for (const account of DEMO_ACCOUNTS) {
    add(
      account.email,
      await placeByClaims(warehouse, { ...account, safir: account.custom.structureTravail }),
    );
  }
  // A Mission locale of Seine-Saint-Denis and the France Travail direction covering Sarthe and Mayenne.
  const extras: Array<[string, string]> = [
    [
      "mission locale du 93",
      "SELECT siret, code_safir FROM entrepot.organisations WHERE type = 'ML' AND departement = '93' ORDER BY id LIMIT 1",
    ],
    ["DTFT 72203", "SELECT siret, code_safir FROM entrepot.organisations WHERE code_safir = '72203'"],
  ];
  for (const [who, sql] of extras) {
    const row = (await warehouse.query(sql)).rows.map((r) => SiretRow.parse(r))[0];
    if (row)
      add(
        who,
        await placeByClaims(warehouse, {
          email: `${who}@exemple.test`,
          siret: row.siret,
          safir: row.code_safir ?? undefined,
        }),
      );
  }
  profiles.push({
    label: "Équipe Pilotage France entière (aperçu staff)",
    kind: "staff",
    perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
  });
  return profiles;
}
