/**
 * The Metabase version read from `GET /api/session/properties` and what the sync does differently because
 * of it (metabase-contract.md §5). Only the differences the sync depends on are modelled.
 */
export interface MetabaseVersion {
  /** As Metabase reports it, e.g. `v0.50.3` (OSS) or `v1.57.2` (Enterprise). */
  tag: string;
  major: number;
  minor: number;
}

export interface SyncFeatures {
  /** The global setting that gates static embeds: `enable-embedding-static` from v51. */
  embeddingSetting: "enable-embedding" | "enable-embedding-static";
  /** Cards read back as MBQL 5 (`stages[0].native`) from v57; both shapes are normalised anyway. */
  mbql5ReadBack: boolean;
  /** `type: "question"` on create (v49+); older versions used the boolean `dataset`. */
  cardType: boolean;
  /** `x-api-key` authentication (v49+). */
  apiKeys: boolean;
}

/**
 * The oldest Metabase the sync runs against: the oldest version the contract suite pins (docs/metabase.md,
 * test/support/metabase-server/version.ts PINNED_VERSIONS: v0.50.3, v0.53.9, v0.57.2). Older ones lack what the
 * sync relies on anyway (API keys from v49, dashcards with `PUT /api/dashboard/:id` from v48) and were never
 * tested.
 */
export const MIN_MAJOR = 50;

/** The versions the contract suite checks, for messages. */
export const TESTED_VERSIONS = "0.50.3, 0.53.9 et 0.57.2";

/** Why the sync and `pilotage metabase bootstrap` refuse this version, in French; undefined when supported. */
export function unsupportedVersion(version: MetabaseVersion): string | undefined {
  if (version.major >= MIN_MAJOR) return undefined;
  return `Metabase ${version.tag} est trop ancien : la synchronisation demande la version 0.${MIN_MAJOR} ou plus récente (versions vérifiées : ${TESTED_VERSIONS}). Mettez Metabase à jour.`;
}

const TAG = /^v([01])\.(\d+)(?:\.(\d+))?/;

export function parseVersionTag(tag: string): MetabaseVersion | undefined {
  const m = TAG.exec(tag.trim());
  if (!m) return undefined;
  return { tag: tag.trim(), major: Number(m[2]), minor: Number(m[3] ?? 0) };
}

export function featuresOf(version: MetabaseVersion): SyncFeatures {
  return {
    embeddingSetting: version.major >= 51 ? "enable-embedding-static" : "enable-embedding",
    mbql5ReadBack: version.major >= 57,
    cardType: version.major >= 49,
    apiKeys: version.major >= 49,
  };
}
