import { DEPARTEMENTS, REGIONS } from "../territories/territories.js";
import type { Dashboard, PerimeterAttribute } from "./types.js";

/**
 * The longest embed URL a dashboard can produce. Metabase runs on Jetty, whose request line and headers are
 * capped at 8,192 bytes (`MB_JETTY_REQUEST_HEADER_SIZE`, contract §1.3): a longer URL fails with "URI too
 * long" instead of showing the dashboard. The token travels twice: in the iframe URL and in the path of
 * every card query the iframe makes, which is the longer of the two.
 *
 * Worst cases, per locked attribute:
 *   - departements / departement_labels: all 101 départements, the national perimeter (staff and DGEFP
 *     can open any dashboard their perimeter fills, so any département lock can be national);
 *   - region: the longest région name;
 *   - bassins: MAX_BASSINS codes of 6 characters, every bassin of France (INSEE counts 306 zones d'emploi,
 *     the synthetic warehouse 341): a national perimeter that did not narrow;
 *   - epci: MAX_EPCI_PER_DEPARTEMENT 9-digit codes, the EPCI of one département (28 at most today);
 *   - structures: MAX_STRUCTURES ids. The largest employer groups and networks of the warehouse have a few
 *     dozen structures; 200 leaves room. An id is counted at 10 digits (Postgres `integer` maximum);
 *   - reseau / organisation: one 10-digit id.
 * The token is signed with HS256 as jsonwebtoken does: base64url header, payload and a 43-character
 * signature; its payload also carries `exp` and `iat` (10 digits each) and the dashboard as a 21-character
 * entity id (longer than any numeric id).
 */

export const EMBED_URL_LIMIT_BYTES = 8000;
/** `https://stats.inclusion.beta.gouv.fr` is 36 characters; 40 leaves room. */
export const ASSUMED_SITE_URL_LENGTH = 40;
export const MAX_STRUCTURES = 200;
export const MAX_BASSINS = 400;
export const MAX_EPCI_PER_DEPARTEMENT = 40;

const LARGEST_ID = "2147483647";
const JWT_HEADER = { alg: "HS256", typ: "JWT" };
const SIGNATURE_LENGTH = 43;
/** `/dashcard/<id>/card/<id>` after the token, in the card query path. */
const CARD_QUERY_SUFFIX = `/dashcard/${LARGEST_ID}/card/${LARGEST_ID}`;
/** The hash options the gateway may add to the iframe URL. */
const IFRAME_HASH = "#bordered=false&titled=false&theme=transparent";

function longest(values: readonly string[]): string {
  return values.reduce(
    (a, b) => (Buffer.byteLength(JSON.stringify(b)) > Buffer.byteLength(JSON.stringify(a)) ? b : a),
    "",
  );
}

export function worstCaseLockValue(
  attribute: PerimeterAttribute,
  maxStructures = MAX_STRUCTURES,
): string | string[] {
  switch (attribute) {
    case "departements":
      return DEPARTEMENTS.map((d) => d.code);
    case "departement_labels":
      return DEPARTEMENTS.map((d) => d.libelle);
    case "region":
      return longest(REGIONS.map((r) => r.nom));
    case "bassins":
      return Array.from({ length: MAX_BASSINS }, () => "XXXXXX");
    case "epci":
      return Array.from({ length: MAX_EPCI_PER_DEPARTEMENT }, () => "200000000");
    case "structures":
      return Array.from({ length: maxStructures }, () => LARGEST_ID);
    case "reseau":
    case "organisation":
      return LARGEST_ID;
  }
}

function base64UrlLength(bytes: number): number {
  return Math.floor(bytes / 3) * 4 + (bytes % 3 === 0 ? 0 : (bytes % 3) + 1);
}

/** Length of `payload` signed as jsonwebtoken does with HS256 (computed, not signed). */
export function signedTokenLength(payload: object): number {
  return (
    base64UrlLength(Buffer.byteLength(JSON.stringify(JWT_HEADER))) +
    1 +
    base64UrlLength(Buffer.byteLength(JSON.stringify(payload))) +
    1 +
    SIGNATURE_LENGTH
  );
}

export interface EmbedSizeOptions {
  siteUrlLength?: number;
  maxStructures?: number;
}

/** Bytes of the longest URL carrying this dashboard's token, for its largest possible locked values. */
export function worstCaseEmbedUrlBytes(
  dashboard: Pick<Dashboard, "parameters">,
  options: EmbedSizeOptions = {},
): number {
  const params = Object.fromEntries(
    dashboard.parameters
      .filter((p) => p.locked)
      .map((p) => [p.slug, worstCaseLockValue(p.locked!, options.maxStructures)]),
  );
  const payload = {
    resource: { dashboard: "x".repeat(21) },
    params,
    exp: Number(LARGEST_ID) * 4,
    iat: Number(LARGEST_ID) * 4,
  };
  const token = signedTokenLength(payload);
  const site = options.siteUrlLength ?? ASSUMED_SITE_URL_LENGTH;
  const iframe = site + "/embed/dashboard/".length + token + IFRAME_HASH.length;
  const cardQuery = site + "/api/embed/dashboard/".length + token + CARD_QUERY_SUFFIX.length;
  return Math.max(iframe, cardQuery);
}
