import { z } from "zod";
import type { Queryable } from "../storage/database.js";

/**
 * The append-only audit log (PRODUCT.md §3, invariant 5): tokens issued, exports, placement decisions,
 * grant changes, previews. Callers write the row BEFORE they hand anything out, and fail closed when the
 * write fails: the error propagates and nothing is returned.
 */
export type AuditAction =
  | "embed.token_issued"
  | "export.data"
  | "export.completed"
  | "export.failed"
  | "placement.decided"
  | "grant.created"
  | "grant.revoked"
  | "grant.bound"
  | "grant.rebound"
  | "access_request.created"
  | "access_request.approved"
  | "access_request.refused"
  | "preview.started"
  | "preview.stopped"
  /** Written by the database itself (audit_log_pseudonymise, `pilotage retention`). */
  | "audit.pseudonymised";

export interface AuditEntry {
  action: AuditAction;
  actor?: { sub?: string | undefined; email?: string | undefined } | undefined;
  profileKind?: string | undefined;
  organisationId?: string | undefined;
  resource?: { kind: string; key?: string | undefined; id?: string | undefined } | undefined;
  lockedValues?: Record<string, unknown> | undefined;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
}

/** The columns a caller fills, in the order of auditParams. */
export const AUDIT_COLUMN_LIST = [
  "action",
  "actor_sub",
  "actor_email",
  "profile_kind",
  "organisation_id",
  "resource_kind",
  "resource_key",
  "resource_id",
  "locked_values",
  "details",
  "request_id",
] as const;
const AUDIT_COLUMNS = AUDIT_COLUMN_LIST.join(", ");
/** The placeholders of one row, typed so that they also read right in an INSERT … SELECT. */
const AUDIT_VALUES =
  "$1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::jsonb, $10::jsonb, $11::text";

/** The row's values, in the order of AUDIT_COLUMN_LIST (JSON columns as their text). */
export function auditParams(entry: AuditEntry): unknown[] {
  return [
    entry.action,
    entry.actor?.sub ?? null,
    entry.actor?.email ?? null,
    entry.profileKind ?? null,
    entry.organisationId ?? null,
    entry.resource?.kind ?? null,
    entry.resource?.key ?? null,
    entry.resource?.id ?? null,
    JSON.stringify(entry.lockedValues ?? {}),
    JSON.stringify(entry.details ?? {}),
    entry.requestId ?? null,
  ];
}

export async function writeAudit(db: Queryable, entry: AuditEntry): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (${AUDIT_VALUES}) RETURNING id`,
    auditParams(entry),
    { prepare: true },
  );
  return Number(rows[0]!.id);
}

const AuditRowSchema = z
  .object({
    id: z.coerce.number(),
    occurred_at: z.coerce.date(),
    action: z.string(),
    actor_sub: z.string().nullable(),
    actor_email: z.string().nullable(),
    profile_kind: z.string().nullable(),
    organisation_id: z.string().nullable(),
    resource_kind: z.string().nullable(),
    resource_key: z.string().nullable(),
    resource_id: z.string().nullable(),
    locked_values: z.record(z.string(), z.unknown()),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string().nullable(),
  })
  .transform((r) => ({
    id: r.id,
    occurredAt: r.occurred_at,
    action: r.action,
    actorSub: r.actor_sub,
    actorEmail: r.actor_email,
    profileKind: r.profile_kind,
    organisationId: r.organisation_id,
    resourceKind: r.resource_kind,
    resourceKey: r.resource_key,
    resourceId: r.resource_id,
    lockedValues: r.locked_values,
    details: r.details,
    requestId: r.request_id,
  }));

export type AuditRow = z.output<typeof AuditRowSchema>;

export async function readAudit(
  db: Queryable,
  filter: { action?: AuditAction; actorEmail?: string; limit?: number } = {},
): Promise<AuditRow[]> {
  const { rows } = await db.query(
    `SELECT * FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor_email = $2)
      ORDER BY id DESC LIMIT $3`,
    [filter.action ?? null, filter.actorEmail ?? null, filter.limit ?? 100],
  );
  return rows.map((row) => AuditRowSchema.parse(row));
}
