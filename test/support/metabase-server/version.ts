/**
 * The Metabase versions the test server can pretend to be, and what changes between them
 * (metabase-contract.md §5, ../shared/reference/metabase-fidelity-audit.md). `npm test` pins three:
 * v0.50.3, v0.53.9 and v0.57.2 (PINNED_VERSIONS); each threshold below names the change it follows. Other
 * versions get the same thresholds, which are a reading of Metabase's history, not a claim.
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
   * A locked parameter must be non-null in the token (`some?`, PR #45771 in v0.51, backported to v0.50.14 by
   * #46057, issue #46375); before, only the key's presence was checked, so `null` passed and meant "no filter".
   */
  lockedRequiresNonNull: boolean;
  /**
   * After validation, an empty collection becomes `null` (`not-empty`, same PRs): `[]` switches a filter off.
   * v0.50.3 passes `[]` through to the query processor, where a field filter renders `IN ()` and fails.
   */
  emptyListIsNull: boolean;
  /**
   * The Trash (PR #42339 and the data model of #42845): reverted from the v50 release (issue #43159, PR #43146),
   * shipped in v51. Archived cards and dashboards are "in" the Trash, the archived collection list includes it,
   * restoring an item whose collection is archived needs a new `collection_id`.
   */
  trash: boolean;
  /** The parser knows single-quoted strings (`lib.parse`, PR #46547, August 2024: v51). */
  quotedStrings: boolean;
  /**
   * `?parameters=` that parses to something other than an object is a 400 `Invalid parameter values`; before,
   * anything but an object fell back to the plain query parameters. Read in the current source only; placed at 57.
   */
  strictJsonParameters: boolean;
}

/** The versions `npm test` runs the contract suite against (docs/metabase.md explains the choice). */
export const PINNED_VERSIONS = ["v0.50.3", "v0.53.9", "v0.57.2"] as const;

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
    lockedRequiresNonNull: version.major >= 51 || (version.major === 50 && version.minor >= 14),
    emptyListIsNull: version.major >= 51,
    trash: version.major >= 51,
    quotedStrings: version.major >= 51,
    strictJsonParameters: version.major >= 57,
  };
}
