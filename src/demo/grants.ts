import { accountSubOf } from "../demo-idp/claims.js";
import { activeStaffGrant, createGrant } from "../perimeter/grants.js";
import type { Database } from "../storage/database.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";
import { DEMO_ACCOUNTS } from "./accounts.js";

const STAFF_EMAIL = "admin@demo.pilotage.test";

/**
 * Staff are placed by explicit grant, never by claims. The demo (and the tests) start with the grant
 * that makes admin@demo.pilotage.test staff, bound from the start to that account of the demo provider
 * (its `sub` and identity provider), as production's grants are at their first use: the same address
 * from another provider, in capitals or not, is not staff. In production the first staff grant is
 * created with `pilotage grants add --kind staff …`.
 */
export async function ensureDemoGrants(db: Database): Promise<void> {
  const admin = DEMO_ACCOUNTS.find((a) => a.email === STAFF_EMAIL)!;
  const account = { sub: accountSubOf(admin), idpId: admin.idpId };
  if (await activeStaffGrant(db, account, new Date())) return;
  await createGrant(db, {
    subject: { ...account, email: admin.email },
    kind: "staff",
    organisationLabel: admin.organizationLabel,
    perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
    grantedBy: "demo",
    note: "Compte de démonstration (PRODUCT.md §6)",
  });
}
