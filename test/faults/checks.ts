import assert from "node:assert/strict";
import type { Answer } from "./environment.js";

/** What each dependency's 503 says (src/errors.ts), as the person reads it. */
export const MESSAGES = {
  gateway_database:
    "La base de données du service ne répond pas pour le moment : votre demande n'a pas pu aboutir. Réessayez dans quelques instants.",
  warehouse:
    "L'entrepôt de données ne répond pas pour le moment : les chiffres ne peuvent pas être calculés. Réessayez dans quelques instants.",
  redis:
    "Le service des sessions ne répond pas pour le moment : votre connexion ne peut pas être vérifiée. Réessayez dans quelques instants.",
} as const;

/** Text as EJS writes it into a page. */
export function html(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&#34;")
    .replaceAll("'", "&#39;");
}

/** A 503 JSON answer naming no internals: the code, the French message, the request id; Retry-After. */
export function assertDependencyJson(answer: Answer, dependency: keyof typeof MESSAGES): void {
  assert.equal(answer.status, 503, answer.body.slice(0, 300));
  assert.equal(answer.headers.get("retry-after"), "5");
  assert.deepEqual(JSON.parse(answer.body), {
    error: "dependency_unavailable",
    message: MESSAGES[dependency],
    requestId: answer.headers.get("x-request-id"),
  });
}

/** A 503 DSFR page saying, in French, what does not answer and to try again; Retry-After. */
export function assertDependencyPage(answer: Answer, dependency: keyof typeof MESSAGES): void {
  assert.equal(answer.status, 503, answer.body.slice(0, 300));
  assert.equal(answer.headers.get("retry-after"), "5");
  assert.match(answer.headers.get("content-type") ?? "", /^text\/html/);
  assert.ok(answer.body.includes("<h1>Service momentanément indisponible</h1>"), answer.body.slice(0, 2000));
  assert.ok(answer.body.includes(`<p class="fr-text--lead fr-mb-3w">${html(MESSAGES[dependency])}</p>`));
}

/** A dashboard page with a Metabase frame (a signed URL). */
export const FRAMED = /<iframe[^>]*\s+src="http:\/\/127\.0\.0\.1:\d+\/embed\/dashboard\/ey/;
/** The page's notice when the audit log could not take the token's row: the gateway's own cards instead. */
export const AUDIT_UNAVAILABLE_NOTICE = 'id="graphiques-indisponibles"';
/** The page's notice when Metabase does not answer its health check. */
export const METABASE_UNREACHABLE_NOTICE = 'id="metabase-injoignable"';
/** A card drawn by the gateway itself (its data table). */
export const OWN_CARD_TABLE = /<caption>/;
