import { z } from "zod";
import { writeAudit } from "../audit/audit-log.js";
import { AppError, BadRequestError, NotFoundError } from "../errors.js";
import type { Database, Queryable } from "../storage/database.js";
import { createGrant, rebindGrant, type StoredGrant } from "./grants.js";
import type { Perimeter } from "./lock-values.js";
import type { ProfileKind } from "./placement.js";

/**
 * Requests for access from people the gateway could not place, decided by staff, who see the claims each
 * came with (SIRET, e-mail domain, identity provider). One pending request per person (a unique index
 * holds it even for two posts at once).
 */

/** Term of a grant created by approving a request, unless staff choose another date. */
export const DEFAULT_GRANT_TERM_MS = 365 * 24 * 3600 * 1000;

export const AccessRequestForm = z.object({
  organisation: z.string().trim().min(2, "Indiquez votre organisation.").max(200),
  role: z.string().trim().min(2, "Indiquez votre fonction.").max(200),
  reason: z
    .string()
    .trim()
    .min(10, "Expliquez en quelques mots pourquoi vous avez besoin de ces données.")
    .max(2000),
});
export type AccessRequestInput = z.infer<typeof AccessRequestForm>;

const Row = z
  .object({
    id: z.coerce.number(),
    requested_at: z.coerce.date(),
    sub: z.string(),
    email: z.string(),
    given_name: z.string().nullable(),
    usual_name: z.string().nullable(),
    siret: z.string().nullable(),
    idp_id: z.string().nullable(),
    organisation_label: z.string().nullable(),
    organisation: z.string(),
    role: z.string(),
    reason: z.string(),
    status: z.enum(["pending", "approved", "refused"]),
    decided_at: z.coerce.date().nullable(),
    decided_by: z.string().nullable(),
    decision_note: z.string().nullable(),
    grant_id: z.coerce.number().nullable(),
  })
  .transform((r) => ({
    id: r.id,
    requestedAt: r.requested_at,
    sub: r.sub,
    email: r.email,
    givenName: r.given_name,
    usualName: r.usual_name,
    siret: r.siret,
    idpId: r.idp_id,
    emailDomain: r.email.slice(r.email.lastIndexOf("@") + 1),
    organisationLabel: r.organisation_label,
    organisation: r.organisation,
    role: r.role,
    reason: r.reason,
    status: r.status,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    decisionNote: r.decision_note,
    grantId: r.grant_id,
  }));
export type AccessRequest = z.output<typeof Row>;

export interface Requester {
  sub: string;
  email: string;
  givenName?: string | undefined;
  usualName?: string | undefined;
  siret?: string | undefined;
  idpId?: string | undefined;
  organizationLabel?: string | undefined;
}

/** A person who already has a request waiting for staff sends another. */
export class RequestAlreadyPendingError extends AppError {
  constructor() {
    super(
      409,
      "Vous avez déjà une demande d'accès en cours d'examen : l'équipe Pilotage vous écrit dès qu'elle est traitée.",
      { code: "request_pending", link: { href: "/demande-acces", label: "Voir ma demande" } },
    );
  }
}

const UNIQUE_VIOLATION = "23505";

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === UNIQUE_VIOLATION;
}

export async function createAccessRequest(
  db: Database,
  requester: Requester,
  input: AccessRequestInput,
  requestId?: string,
): Promise<AccessRequest> {
  if (await pendingRequestOf(db, requester.sub)) throw new RequestAlreadyPendingError();
  return db.transaction(async (tx) => {
    let rows: unknown[];
    try {
      ({ rows } = await tx.query(
        `INSERT INTO access_requests (sub, email, given_name, usual_name, siret, idp_id, organisation_label, organisation, role, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          requester.sub,
          requester.email.toLowerCase(),
          requester.givenName ?? null,
          requester.usualName ?? null,
          requester.siret ?? null,
          requester.idpId ?? null,
          requester.organizationLabel ?? null,
          input.organisation,
          input.role,
          input.reason,
        ],
      ));
    } catch (error) {
      // Two posts at once: the unique index on pending requests keeps one.
      if (isUniqueViolation(error)) throw new RequestAlreadyPendingError();
      throw error;
    }
    const created = Row.parse(rows[0]);
    await writeAudit(tx, {
      action: "access_request.created",
      actor: { sub: requester.sub, email: requester.email },
      resource: { kind: "access_request", id: String(created.id) },
      details: {
        siret: requester.siret,
        idpId: requester.idpId,
        organisation: input.organisation,
        role: input.role,
      },
      requestId,
    });
    return created;
  });
}

export async function listAccessRequests(
  db: Queryable,
  status: AccessRequest["status"] | "all" = "pending",
): Promise<AccessRequest[]> {
  const { rows } = await db.query(
    `SELECT * FROM access_requests WHERE $1 = 'all' OR status = $1 ORDER BY requested_at, id`,
    [status],
  );
  return rows.map((r) => Row.parse(r));
}

export async function pendingRequestOf(db: Queryable, sub: string): Promise<AccessRequest | undefined> {
  const { rows } = await db.query(
    `SELECT * FROM access_requests WHERE sub = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1`,
    [sub],
  );
  return rows[0] ? Row.parse(rows[0]) : undefined;
}

async function lockPending(tx: Queryable, id: number): Promise<AccessRequest> {
  const { rows } = await tx.query(`SELECT * FROM access_requests WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) throw new NotFoundError(`La demande d'accès ${id} n'existe pas.`);
  const request = Row.parse(rows[0]);
  if (request.status !== "pending") {
    throw new BadRequestError(
      `La demande d'accès ${id} a déjà été traitée (${request.status === "approved" ? "acceptée" : "refusée"}).`,
    );
  }
  return request;
}

/** Approves a request: creates the grant (by ProConnect sub and e-mail) and records the decision. */
export async function approveAccessRequest(
  db: Database,
  id: number,
  decision: {
    decidedBy: string;
    kind: ProfileKind;
    organisationLabel: string;
    perimeter: Perimeter;
    validUntil?: Date | undefined;
    note?: string | undefined;
  },
  requestId?: string,
): Promise<{ request: AccessRequest; grant: StoredGrant }> {
  return db.transaction(async (tx) => {
    const request = await lockPending(tx, id);
    const grant = await createGrant(
      db,
      {
        // Bound at once to the account that asked: another provider's account with the same e-mail never has it.
        subject: { sub: request.sub, email: request.email, idpId: request.idpId ?? undefined },
        kind: decision.kind,
        organisationLabel: decision.organisationLabel,
        perimeter: decision.perimeter,
        // An approved request grants a fixed term by default: access is reviewed, not forgotten.
        validUntil: decision.validUntil ?? new Date(Date.now() + DEFAULT_GRANT_TERM_MS),
        grantedBy: decision.decidedBy,
        note: decision.note ?? `Demande d'accès n° ${id}`,
      },
      { tx, requestId },
    );
    const { rows } = await tx.query(
      `UPDATE access_requests SET status = 'approved', decided_at = now(), decided_by = $2, decision_note = $3, grant_id = $4
        WHERE id = $1 RETURNING *`,
      [id, decision.decidedBy, decision.note ?? null, grant.id],
    );
    await writeAudit(tx, {
      action: "access_request.approved",
      actor: { email: decision.decidedBy },
      profileKind: decision.kind,
      resource: { kind: "access_request", id: String(id) },
      details: { grantId: grant.id, subjectEmail: request.email },
      requestId,
    });
    return { request: Row.parse(rows[0]), grant };
  });
}

export async function refuseAccessRequest(
  db: Database,
  id: number,
  decision: { decidedBy: string; note?: string | undefined },
  requestId?: string,
): Promise<AccessRequest> {
  return db.transaction(async (tx) => {
    const request = await lockPending(tx, id);
    const { rows } = await tx.query(
      `UPDATE access_requests SET status = 'refused', decided_at = now(), decided_by = $2, decision_note = $3
        WHERE id = $1 RETURNING *`,
      [id, decision.decidedBy, decision.note ?? null],
    );
    await writeAudit(tx, {
      action: "access_request.refused",
      actor: { email: decision.decidedBy },
      resource: { kind: "access_request", id: String(id) },
      details: { subjectEmail: request.email, note: decision.note },
      requestId,
    });
    return Row.parse(rows[0]);
  });
}

/**
 * Approves a request by re-binding an existing grant to the account that asked (the person changed
 * identity provider, so their `sub` changed: proconnect.md §1.4). Both steps audited, in one transaction.
 */
export async function approveByRebinding(
  db: Database,
  id: number,
  grantId: number,
  decidedBy: string,
  requestId?: string,
): Promise<{ request: AccessRequest; before: StoredGrant; after: StoredGrant }> {
  return db.transaction(async (tx) => {
    const request = await lockPending(tx, id);
    const { before, after } = await rebindGrant(
      db,
      grantId,
      { sub: request.sub, idpId: request.idpId ?? undefined },
      decidedBy,
      { requestId, tx },
    );
    if (after.subjectEmail !== request.email) {
      throw new BadRequestError(
        `L'accès n° ${grantId} ne vise pas l'adresse ${request.email} : il ne peut pas être rattaché à cette demande.`,
      );
    }
    const { rows } = await tx.query(
      `UPDATE access_requests SET status = 'approved', decided_at = now(), decided_by = $2, decision_note = $3, grant_id = $4
        WHERE id = $1 RETURNING *`,
      [id, decidedBy, `Accès n° ${grantId} rattaché à ce compte`, grantId],
    );
    await writeAudit(tx, {
      action: "access_request.approved",
      actor: { email: decidedBy },
      profileKind: after.kind,
      resource: { kind: "access_request", id: String(id) },
      details: { grantId, subjectEmail: request.email, rebound: true },
      requestId,
    });
    return { request: Row.parse(rows[0]), before, after };
  });
}
