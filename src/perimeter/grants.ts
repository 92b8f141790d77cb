import { z } from "zod";
import { writeAudit } from "../audit/audit-log.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import type { Database, Queryable } from "../storage/database.js";
import type { Perimeter } from "./lock-values.js";
import { PerimeterSchema, ProfileKindSchema } from "./perimeter-schema.js";
import type { Grant, ProfileKind } from "./placement.js";

/**
 * Explicit grants in the gateway database. Every change is written to the audit log in the same
 * transaction. A grant names a person by ProConnect `sub` or by e-mail; at its first use it binds to the
 * account that used it (`sub` and identity provider), and from then on only that account has it: the
 * same address sent by another provider (in capitals or not) does not. Staff re-bind a grant when the
 * person's `sub` changes with their provider (proconnect.md §1.4).
 */

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
  bound_idp_id: z.string().nullable(),
  bound_at: z.coerce.date().nullable(),
});

export interface StoredGrant extends Grant {
  /** The ProConnect account the grant is bound to; null until its first use when created for an e-mail. */
  subjectSub: string | null;
  subjectEmail: string | null;
  /** The identity provider of the bound account, once known. */
  boundIdpId: string | null;
  boundAt: Date | null;
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
    boundIdpId: r.bound_idp_id,
    boundAt: r.bound_at,
  };
}

export interface NewGrant {
  /** With a `sub`, the grant is bound at once (and to `idpId` when known). */
  subject: { sub?: string | undefined; email?: string | undefined; idpId?: string | undefined };
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
  const idpId = (sub && grant.subject.idpId?.trim()) || null;
  if (!email && !sub)
    throw new BadRequestError("Un accès doit viser une adresse électronique ou un identifiant ProConnect.");
  const perimeter = PerimeterSchema.parse(grant.perimeter);
  const insert = async (tx: Queryable) => {
    const { rows } = await tx.query(
      `INSERT INTO grants (subject_sub, subject_email, kind, organisation_label, perimeter, valid_from, valid_until, granted_by, note, bound_idp_id, bound_at)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8, $9, $10, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END)
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
        idpId,
      ],
    );
    const created = toGrant(rows[0]);
    await writeAudit(tx, {
      action: "grant.created",
      actor: { email: grant.grantedBy },
      profileKind: created.kind,
      resource: { kind: "grant", id: String(created.id) },
      lockedValues: { perimeter },
      details: {
        subjectSub: sub,
        subjectEmail: email,
        idpId,
        validUntil: created.validUntil,
        note: created.note,
      },
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

/**
 * Grants naming this person: bound to their account (`sub`, and identity provider once recorded), or not
 * bound yet and created for their e-mail (active or not: the caller decides). Never a grant bound to
 * another account, whatever the e-mail.
 */
export async function grantsFor(
  db: Queryable,
  person: { sub: string; email: string; idpId?: string | undefined },
): Promise<StoredGrant[]> {
  const { rows } = await db.query(
    `SELECT * FROM grants
      WHERE (subject_sub = $1 AND (bound_idp_id IS NULL OR bound_idp_id = $3))
         OR (subject_sub IS NULL AND subject_email = $2)
      ORDER BY id`,
    [person.sub, person.email.trim().toLowerCase(), person.idpId ?? null],
  );
  return rows.map(toGrant);
}

/** Whether using this grant binds it (or records the identity provider of its account). */
export function needsBinding(
  grant: StoredGrant,
  person: { sub: string; idpId?: string | undefined },
): boolean {
  return (
    grant.subjectSub === null ||
    (grant.subjectSub === person.sub && grant.boundIdpId === null && !!person.idpId)
  );
}

/**
 * Binds grants at their first use to the account using them, audited. Only a grant still unbound (or
 * bound to this very `sub` without a provider) is bound: of two accounts racing for one e-mail grant,
 * only the first gets it. Returns the grants bound.
 */
export async function bindGrants(
  db: Database,
  ids: readonly number[],
  person: { sub: string; email: string; idpId?: string | undefined },
  options: { requestId?: string | undefined } = {},
): Promise<StoredGrant[]> {
  if (ids.length === 0) return [];
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `UPDATE grants SET subject_sub = $2, bound_idp_id = $3, bound_at = now()
        WHERE id = ANY($1::bigint[])
          AND (subject_sub IS NULL OR (subject_sub = $2 AND bound_idp_id IS NULL AND $3::text IS NOT NULL))
        RETURNING *`,
      [ids, person.sub, person.idpId ?? null],
    );
    const bound = rows.map(toGrant);
    for (const grant of bound) {
      await writeAudit(tx, {
        action: "grant.bound",
        actor: { sub: person.sub, email: person.email },
        profileKind: grant.kind,
        resource: { kind: "grant", id: String(grant.id) },
        details: { subjectSub: person.sub, idpId: person.idpId ?? null, subjectEmail: grant.subjectEmail },
        requestId: options.requestId,
      });
    }
    return bound;
  });
}

/**
 * Staff re-bind a grant to another ProConnect account (the person's `sub` changed with their provider),
 * or unbind it (`to` null) so that the next login with its e-mail binds it again. Audited with the
 * account before and after; the caller ends the sessions of both.
 */
export async function rebindGrant(
  db: Database,
  id: number,
  to: { sub: string; idpId?: string | undefined } | null,
  by: string,
  options: { requestId?: string | undefined; tx?: Queryable } = {},
): Promise<{ before: StoredGrant; after: StoredGrant }> {
  const rebind = async (tx: Queryable) => {
    const current = await tx.query(`SELECT * FROM grants WHERE id = $1 FOR UPDATE`, [id]);
    if (!current.rows[0] || toGrant(current.rows[0]).revokedAt !== null)
      throw new NotFoundError(`Aucun accès actif n'a le numéro ${id}.`);
    const before = toGrant(current.rows[0]);
    const sub = to?.sub.trim() || null;
    if (to && !sub)
      throw new BadRequestError("Indiquez l'identifiant ProConnect (sub) du compte à rattacher.");
    if (!sub && !before.subjectEmail) {
      throw new BadRequestError(
        "Cet accès ne vise aucune adresse électronique : rattachez-le à un identifiant ProConnect plutôt que de le délier.",
      );
    }
    const idpId = (sub && to?.idpId?.trim()) || null;
    const { rows } = await tx.query(
      `UPDATE grants SET subject_sub = $2, bound_idp_id = $3, bound_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END
        WHERE id = $1 RETURNING *`,
      [id, sub, idpId],
    );
    const after = toGrant(rows[0]);
    await writeAudit(tx, {
      action: "grant.rebound",
      actor: { email: by },
      profileKind: after.kind,
      resource: { kind: "grant", id: String(id) },
      details: {
        subjectEmail: after.subjectEmail,
        before: { sub: before.subjectSub, idpId: before.boundIdpId },
        after: { sub: after.subjectSub, idpId: after.boundIdpId },
      },
      requestId: options.requestId,
    });
    return { before, after };
  };
  return options.tx ? rebind(options.tx) : db.transaction(rebind);
}

/** The active staff grant bound to this account, if any: staff rights, read again on every staff request. */
export async function activeStaffGrant(
  db: Queryable,
  person: { sub: string; idpId?: string | undefined },
  now: Date,
): Promise<StoredGrant | undefined> {
  const { rows } = await db.query(
    `SELECT * FROM grants
      WHERE kind = 'staff' AND subject_sub = $1 AND (bound_idp_id IS NULL OR bound_idp_id = $2)
        AND revoked_at IS NULL AND valid_from <= $3 AND (valid_until IS NULL OR valid_until > $3)
      ORDER BY id LIMIT 1`,
    [person.sub, person.idpId ?? null, now],
  );
  return rows[0] ? toGrant(rows[0]) : undefined;
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
