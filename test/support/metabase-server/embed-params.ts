import { EmbedTokenError } from "./jwt.js";
import type { VersionFeatures } from "./version.js";

/**
 * `validate-and-merge-params` of `embedding_rest/api/common.clj` (metabase-contract.md §1.4 step 5, §1.5).
 * Pure, in Metabase's order, with its messages: slugs are rendered as Clojure keywords (`:slug`).
 */
export type EmbeddingStatus = "enabled" | "locked" | "disabled";
export type EmbeddingParams = Record<string, EmbeddingStatus>;
export type SlugValues = Record<string, unknown>;

/** Is `v` a valid parameter value? A blank string is not (Clojure's `str/blank?`). */
function validParamValue(v: unknown): boolean {
  return typeof v !== "string" || v.trim() !== "";
}

function keepValid(params: SlugValues): SlugValues {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => validParamValue(v)));
}

function has(params: SlugValues, slug: string): boolean {
  return Object.prototype.hasOwnProperty.call(params, slug);
}

function reject(message: string): never {
  throw new EmbedTokenError(message);
}

export function validateAndMergeParams(
  embeddingParams: EmbeddingParams | null,
  tokenParams: SlugValues,
  userParams: SlugValues,
  features: Pick<VersionFeatures, "lockedRequiresNonNull" | "emptyListIsNull">,
): SlugValues {
  // Blank strings are dropped from both sides before the checks, and only for the checks.
  const token = keepValid(tokenParams);
  const user = keepValid(userParams);

  for (const [slug, status] of Object.entries(embeddingParams ?? {})) {
    if (status === "disabled") {
      if (has(token, slug) || has(user, slug)) reject(`You're not allowed to specify a value for :${slug}.`);
    } else if (status === "enabled") {
      if (has(token, slug) && has(user, slug)) {
        reject(`You can't specify a value for :${slug} if it's already set in the JWT.`);
      }
    } else if (status === "locked") {
      const present = features.lockedRequiresNonNull
        ? token[slug] !== undefined && token[slug] !== null
        : has(token, slug);
      if (!present) reject(`You must specify a value for :${slug} in the JWT.`);
      if (has(user, slug)) reject(`You can only specify a value for :${slug} in the JWT.`);
    }
  }

  const allowed = new Set(Object.keys(embeddingParams ?? {}));
  for (const slug of new Set([...Object.keys(token), ...Object.keys(user)])) {
    if (!allowed.has(slug)) reject(`Unknown parameter :${slug}.`);
  }

  // Merge the unfiltered maps, token last so that it wins; from v51 every empty collection becomes null:
  // `[]` is "no value", which switches the filter off.
  const merged: SlugValues = { ...userParams, ...tokenParams };
  if (!features.emptyListIsNull) return merged;
  return Object.fromEntries(Object.entries(merged).map(([slug, v]) => [slug, emptyToNull(v)]));
}

/** `not-empty` on a non-string collection, as `validate-and-merge-params` applies it (v51+). */
export function emptyToNull(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? null : v;
  if (v !== null && typeof v === "object") return Object.keys(v).length === 0 ? null : v;
  return v;
}

/**
 * The URL's own parameters (`parse-query-params` then `normalize-query-params`): from v51 a
 * `?parameters=<json object>` replaces them all (types preserved; an unreadable blob falls back to the plain
 * parameters; from v57 a blob that parses to anything but an object is a 400 `Invalid parameter values`); an
 * empty string means "no value" (null).
 */
export function urlParams(
  query: Record<string, unknown>,
  features: Pick<VersionFeatures, "jsonUrlParameters" | "strictJsonParameters">,
): SlugValues {
  const plain: SlugValues = { ...query };
  delete plain.format_rows;
  delete plain.pivot_results;
  let chosen: SlugValues = plain;
  if (features.jsonUrlParameters && typeof plain.parameters === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.parameters);
    } catch {
      parsed = undefined;
    }
    const isMap = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
    if (isMap) chosen = parsed as SlugValues;
    else if (parsed !== undefined && features.strictJsonParameters) reject("Invalid parameter values");
  }
  return Object.fromEntries(Object.entries(chosen).map(([slug, v]) => [slug, v === "" ? null : v]));
}
