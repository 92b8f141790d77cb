/**
 * Prints the `state_domains` block of metabase-config/placement.yaml from the reference territories
 * (@etalab/decoupage-administratif), by the regular rule: a DDETS (a DEETS overseas) is confirmed by
 * `ddets-<code>.gouv.fr` and by its prefecture's domain (`<département>.gouv.fr`), a DREETS by
 * `dreets-<région>.gouv.fr`. Run it when the territories change, then check the exceptions by hand
 * against the State's directory (docs/security.md, "State services"):
 *
 *   npx tsx scripts/state-domains.ts > /tmp/state-domains.yaml
 */
import { DEPARTEMENTS, REGIONS } from "../src/territories/territories.js";

/** "Côtes-d'Armor" → "cotes-darmor", "Île-de-France" → "ile-de-france". */
function slug(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Overseas, a single-département région's service is a DEETS (both levels in one). */
const single = new Set(REGIONS.filter((r) => r.departements.length === 1).map((r) => r.code));

const lines = ["state_domains:", "  dgefp: [emploi.gouv.fr]", "  dreets:"];
for (const region of REGIONS) {
  const service = single.has(region.code) ? "deets" : "dreets";
  lines.push(`    "${region.code}": [${service}-${slug(region.nom)}.gouv.fr]`);
}
lines.push("  ddets:");
for (const departement of DEPARTEMENTS) {
  const service = single.has(departement.codeRegion) ? "deets" : "ddets";
  lines.push(
    `    "${departement.code}": [${service}-${departement.code.toLowerCase()}.gouv.fr, ${slug(departement.nom)}.gouv.fr]`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
