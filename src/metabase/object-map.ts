import { z } from "zod";
import type { RowCondition } from "../audit/audit-batch.js";
import type { Queryable } from "../storage/database.js";

/**
 * The key → Metabase id mapping in the gateway database (`metabase_objects`, migrations 004 and 005),
 * written by `pilotage apply` and read by the running gateway, which therefore never needs an admin API key.
 *
 * A dashboard is "verified" for a content version only after `apply` read it back from Metabase and found
 * its lock contract intact (lock-contract.ts); `verifiedDashboardId` is what the gateway asks before it signs
 * a token, and it answers nothing for a dashboard whose current definition was not verified.
 */
export type ObjectModel = "collection" | "card" | "dashboard";

const Row = z.object({
  model: z.enum(["collection", "card", "dashboard"]),
  key: z.string(),
  metabase_id: z.coerce.number().int(),
  entity_id: z.string().nullable(),
  content_version: z.string(),
  embedding_params: z.record(z.string(), z.string()).nullable(),
  verified_at: z.coerce.date().nullable(),
  verified_version: z.string().nullable(),
  applied_at: z.coerce.date(),
  applied_fingerprint: z.string().nullable(),
  remote_marker: z.string().nullable(),
});

export interface StoredObject {
  model: ObjectModel;
  key: string;
  metabaseId: number;
  entityId: string | null;
  contentVersion: string;
  embeddingParams: Record<string, string>;
  verifiedAt: Date | null;
  verifiedVersion: string | null;
  appliedAt: Date;
  appliedFingerprint: string | null;
  remoteMarker: string | null;
}

export async function readStoredObjects(db: Queryable): Promise<StoredObject[]> {
  const { rows } = await db.query(
    `SELECT model, key, metabase_id, entity_id, content_version, embedding_params, verified_at,
            verified_version, applied_at, applied_fingerprint, remote_marker
       FROM metabase_objects ORDER BY model, key`,
  );
  return rows.map((raw) => {
    const r = Row.parse(raw);
    return {
      model: r.model,
      key: r.key,
      metabaseId: r.metabase_id,
      entityId: r.entity_id,
      contentVersion: r.content_version,
      embeddingParams: r.embedding_params ?? {},
      verifiedAt: r.verified_at,
      verifiedVersion: r.verified_version,
      appliedAt: r.applied_at,
      appliedFingerprint: r.applied_fingerprint,
      remoteMarker: r.remote_marker,
    };
  });
}

export interface BindingRecord {
  model: ObjectModel;
  key: string;
  metabaseId: number;
  entityId: string | null | undefined;
  contentVersion: string;
  embeddingParams?: Record<string, string> | undefined;
}

/**
 * Records which object a key is bound to, as soon as it is known (right after a create), so that a run that
 * stops midway leaves the mapping behind. Binding a key to another id forgets its verification.
 */
export async function recordBinding(db: Queryable, record: BindingRecord): Promise<void> {
  await db.query(
    `INSERT INTO metabase_objects (model, key, metabase_id, entity_id, content_version, embedding_params)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (model, key) DO UPDATE SET
       verified_at = CASE WHEN metabase_objects.metabase_id = EXCLUDED.metabase_id
                          THEN metabase_objects.verified_at END,
       verified_version = CASE WHEN metabase_objects.metabase_id = EXCLUDED.metabase_id
                               THEN metabase_objects.verified_version END,
       applied_fingerprint = CASE WHEN metabase_objects.metabase_id = EXCLUDED.metabase_id
                                  THEN metabase_objects.applied_fingerprint END,
       remote_marker = CASE WHEN metabase_objects.metabase_id = EXCLUDED.metabase_id
                            THEN metabase_objects.remote_marker END,
       metabase_id = EXCLUDED.metabase_id,
       entity_id = COALESCE(EXCLUDED.entity_id, metabase_objects.entity_id),
       content_version = EXCLUDED.content_version,
       embedding_params = EXCLUDED.embedding_params,
       applied_at = now()`,
    [
      record.model,
      record.key,
      record.metabaseId,
      record.entityId ?? null,
      record.contentVersion,
      JSON.stringify(record.embeddingParams ?? {}),
    ],
  );
}

/** After a successful write and read-back: what was applied, and the marker to compare with next time. */
export async function recordApplied(
  db: Queryable,
  record: BindingRecord & { appliedFingerprint: string; remoteMarker: string | null },
): Promise<void> {
  await recordBinding(db, record);
  await db.query(
    `UPDATE metabase_objects SET applied_fingerprint = $3, remote_marker = $4
      WHERE model = $1 AND key = $2`,
    [record.model, record.key, record.appliedFingerprint, record.remoteMarker],
  );
}

/** The lock contract of this dashboard held on what Metabase returned, for this content version. */
export async function markVerified(db: Queryable, key: string, contentVersion: string): Promise<void> {
  await db.query(
    `UPDATE metabase_objects SET verified_at = now(), verified_version = $2
      WHERE model = 'dashboard' AND key = $1`,
    [key, contentVersion],
  );
}

/** The gateway must stop signing tokens for this dashboard until an `apply` verifies it again. */
export async function clearVerified(db: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE metabase_objects SET verified_at = NULL, verified_version = NULL
      WHERE model = 'dashboard' AND key = $1 AND verified_at IS NOT NULL`,
    [key],
  );
  return rowCount > 0;
}

/**
 * The Metabase id of a dashboard whose lock contract `apply` verified for exactly this content version;
 * undefined otherwise (never verified, verified for an older definition, or found broken since).
 */
export async function verifiedDashboardId(
  db: Queryable,
  key: string,
  contentVersion: string,
): Promise<number | undefined> {
  const { rows } = await db.query<{ metabase_id: number }>(
    `SELECT metabase_id FROM metabase_objects
      WHERE model = 'dashboard' AND key = $1 AND verified_at IS NOT NULL AND verified_version = $2`,
    [key, contentVersion],
    { prepare: true },
  );
  const id = rows[0]?.metabase_id;
  return id === undefined ? undefined : Number(id);
}

/**
 * The condition "this dashboard still has this Metabase id, verified for this content version", checked
 * in the same statement that audits a token for it (src/audit/audit-batch.ts): a dashboard found broken
 * by a plan stops getting tokens at once, even where its id is remembered.
 */
export function verifiedDashboardCondition(
  key: string,
  contentVersion: string,
  metabaseId: number,
): RowCondition {
  return {
    sql: `EXISTS (SELECT 1 FROM metabase_objects
      WHERE model = 'dashboard' AND key = r.c1 AND verified_version = r.c2
        AND metabase_id = r.c3::integer AND verified_at IS NOT NULL)`,
    values: [key, contentVersion, String(metabaseId)],
  };
}
