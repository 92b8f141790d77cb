/**
 * The Metabase versions the test server can pretend to be, and what changes between them
 * (metabase-contract.md §5). Only two shapes are modelled: "≤ 50" (the last version before the embedding
 * settings split) and "≥ 57" (MBQL 5 read-back). Versions 51–56 get the thresholds below, which are the
 * best reading of Metabase's history, not something this server claims to reproduce exactly.
 */
export interface MetabaseVersion {
  /** As Metabase reports it in `/api/session/properties`, e.g. `v0.50.3`. */
  tag: string;
  /** 50 for `v0.50.3` and for the enterprise `v1.50.3`. */
  major: number;
  minor: number;
  edition: "oss" | "ee";
}

export interface VersionFeatures {
  /** The setting `/api/embed` and the embedding guards read (≥ 51: `enable-embedding-static`). */
  embeddingSetting: "enable-embedding" | "enable-embedding-static";
  /** `GET /api/card/:id` answers MBQL 5 unless `?legacy-mbql=true` (≥ 57). */
  mbql5ReadBack: boolean;
  /** Embed query endpoints read `?parameters=<json>` (≥ 51). */
  jsonUrlParameters: boolean;
  /** A token's `resource` may name an object by its 21-character `entity_id` (≥ 51). */
  entityIdResources: boolean;
  /**
   * A locked parameter must be non-null in the token (current code, `some?`); older code only checked that
   * the key was present, so `null` passed and meant "no filter". Placed at 57 (first version checked).
   */
  lockedRequiresNonNull: boolean;
}

const TAG = /^v([01])\.(\d+)\.(\d+)(?:\.\d+)?$/;

export function parseVersion(tag: string): MetabaseVersion {
  const m = TAG.exec(tag);
  if (!m) throw new Error(`Unrecognised Metabase version tag "${tag}" (expected e.g. v0.50.3 or v1.57.2)`);
  const major = Number(m[2]);
  if (major < 50) {
    throw new Error(`The Metabase test server models v0.50 and later (x-api-key, Trash); got ${tag}`);
  }
  return { tag, major, minor: Number(m[3]), edition: m[1] === "1" ? "ee" : "oss" };
}

export function featuresOf(version: MetabaseVersion): VersionFeatures {
  return {
    embeddingSetting: version.major >= 51 ? "enable-embedding-static" : "enable-embedding",
    mbql5ReadBack: version.major >= 57,
    jsonUrlParameters: version.major >= 51,
    entityIdResources: version.major >= 51,
    lockedRequiresNonNull: version.major >= 57,
  };
}
