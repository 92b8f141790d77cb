import { createGrant, grantsFor } from "../perimeter/grants.js";
import { isGrantActive } from "../perimeter/placement.js";
import type { Database } from "../storage/database.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";
import { DEMO_ACCOUNTS } from "./accounts.js";

const STAFF_EMAIL = "admin@demo.pilotage.test";

/**
 * Staff are placed by explicit grant, never by claims. The demo (and the tests) start with the grant
 * that makes admin@demo.pilotage.test staff; in production the first staff grant is created with
 * `pilotage grants add --kind staff …`.
 */
export async function ensureDemoGrants(db: Database): Promise<void> {
  const admin = DEMO_ACCOUNTS.find((a) => a.email === STAFF_EMAIL)!;
  const existing = await grantsFor(db, { sub: "", email: admin.email });
  if (existing.some((g) => g.kind === "staff" && isGrantActive(g, new Date()))) return;
  await createGrant(db, {
    subject: { email: admin.email },
    kind: "staff",
    organisationLabel: admin.organizationLabel,
    perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
    grantedBy: "demo",
    note: "Compte de démonstration (PRODUCT.md §6)",
  });
}
