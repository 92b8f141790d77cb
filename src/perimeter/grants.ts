import { z } from "zod";
import { writeAudit } from "../audit/audit-log.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import type { Database, Queryable } from "../storage/database.js";
import type { Perimeter } from "./lock-values.js";
import { PerimeterSchema, ProfileKindSchema } from "./perimeter-schema.js";
import type { Grant, ProfileKind } from "./placement.js";

/** Explicit grants in the gateway database. Every change is written to the audit log in the same transaction. */

const GrantRow = z.object({
  id: z.coerce.number(),
  subject_sub: z.string().nullable(),
  subject_email: z.string().nullable(),
  kind: ProfileKindSchema,
  organisation_label: z.string(),
  perimeter: PerimeterSchema,
  valid_from: z.coerce.date(),
  valid_until: z.coerce.date().nullable(),
  granted_by: z.string(),
  granted_at: z.coerce.date(),
  revoked_at: z.coerce.date().nullable(),
  revoked_by: z.string().nullable(),
  note: z.string().nullable(),
});

export interface StoredGrant extends Grant {
  subjectSub: string | null;
  subjectEmail: string | null;
  grantedBy: string;
  grantedAt: Date;
  revokedBy: string | null;
  note: string | null;
}

function toGrant(row: unknown): StoredGrant {
  const r = GrantRow.parse(row);
  return {
    id: r.id,
    kind: r.kind,
    organisationLabel: r.organisation_label,
    perimeter: r.perimeter,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    revokedAt: r.revoked_at,
    subjectSub: r.subject_sub,
    subjectEmail: r.subject_email,
    grantedBy: r.granted_by,
    grantedAt: r.granted_at,
    revokedBy: r.revoked_by,
    note: r.note,
  };
}

export interface NewGrant {
  subject: { sub?: string | undefined; email?: string | undefined };
  kind: ProfileKind;
  organisationLabel: string;
  perimeter: Perimeter;
  validFrom?: Date | undefined;
  validUntil?: Date | undefined;
  grantedBy: string;
  note?: string | undefined;
}

export async function createGrant(
  db: Database,
  grant: NewGrant,
  options: { requestId?: string | undefined; tx?: Queryable } = {},
): Promise<StoredGrant> {
  const email = grant.subject.email?.trim().toLowerCase() || null;
  const sub = grant.subject.sub?.trim() || null;
  if (!email && !sub)
    throw new BadRequestError("Un accès doit viser une adresse électronique ou un identifiant ProConnect.");
  const perimeter = PerimeterSchema.parse(grant.perimeter);
  const insert = async (tx: Queryable) => {
    const { rows } = await tx.query(
      `INSERT INTO grants (subject_sub, subject_email, kind, organisation_label, perimeter, valid_from, valid_until, granted_by, note)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8, $9)
       RETURNING *`,
      [
        sub,
        email,
        grant.kind,
        grant.organisationLabel,
        JSON.stringify(perimeter),
        grant.validFrom ?? null,
        grant.validUntil ?? null,
        grant.grantedBy,
        grant.note ?? null,
      ],
    );
    const created = toGrant(rows[0]);
    await writeAudit(tx, {
      action: "grant.created",
      actor: { email: grant.grantedBy },
      profileKind: created.kind,
      resource: { kind: "grant", id: String(created.id) },
      lockedValues: { perimeter },
      details: { subjectSub: sub, subjectEmail: email, validUntil: created.validUntil, note: created.note },
      requestId: options.requestId,
    });
    return created;
  };
  return options.tx ? insert(options.tx) : db.transaction(insert);
}

export async function revokeGrant(
  db: Database,
  id: number,
  revokedBy: string,
  options: { requestId?: string | undefined } = {},
): Promise<StoredGrant> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `UPDATE grants SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
      [id, revokedBy],
    );
    if (rows.length === 0) throw new NotFoundError(`Aucun accès actif n'a le numéro ${id}.`);
    const revoked = toGrant(rows[0]);
    await writeAudit(tx, {
      action: "grant.revoked",
      actor: { email: revokedBy },
      profileKind: revoked.kind,
      resource: { kind: "grant", id: String(id) },
      details: { subjectSub: revoked.subjectSub, subjectEmail: revoked.subjectEmail },
      requestId: options.requestId,
    });
    return revoked;
  });
}

/** Grants naming this person, by ProConnect sub or by e-mail (active or not: the caller decides). */
export async function grantsFor(
  db: Queryable,
  subject: { sub: string; email: string },
): Promise<StoredGrant[]> {
  const { rows } = await db.query(
    `SELECT * FROM grants WHERE subject_sub = $1 OR subject_email = $2 ORDER BY id`,
    [subject.sub, subject.email.trim().toLowerCase()],
  );
  return rows.map(toGrant);
}

export async function listGrants(
  db: Queryable,
  options: { includeRevoked?: boolean } = {},
): Promise<StoredGrant[]> {
  const { rows } = await db.query(
    `SELECT * FROM grants WHERE $1 OR revoked_at IS NULL ORDER BY granted_at DESC, id DESC`,
    [options.includeRevoked ?? false],
  );
  return rows.map(toGrant);
}
