import type { Request, RequestHandler } from "express";
import { z } from "zod";
import { getSessionUser, requireUser } from "../auth/session.js";
import { wantsJson } from "../http/negotiation.js";
import type { SessionUser } from "../auth/identity.js";
import type { OpenSessions } from "../auth/open-sessions.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { Database } from "../storage/database.js";
import { activeStaffGrant } from "./grants.js";
import { withTerritories } from "./narrowed-profile.js";
import type { Perimeter } from "./lock-values.js";
import { PerimeterSchema, ProfileKindSchema } from "./perimeter-schema.js";
import { REFUSALS, type Placement, type ProfileKind, type Refusal } from "./placement.js";
import type { PlacementService } from "./placement-service.js";
import { checkedPerObject } from "../checked-per-object.js";

/**
 * The profile of the logged-in person, kept in the session: the placements worked out at login, the
 * one they chose (organisation switcher), and a staff preview. A change to a grant ends the sessions of
 * the person concerned (src/auth/open-sessions.ts), so it counts from their next request; a grant that
 * expires is worked out again the moment it does; and placements from les emplois' members are worked
 * out again when older than `maxAgeMs` (a member removed from an organisation).
 */

const StoredPlacement = z.object({
  kind: ProfileKindSchema,
  organisationRef: z.string(),
  organisationLabel: z.string(),
  perimeter: PerimeterSchema,
  source: z.enum(["grant", "siret", "safir"]),
});

const StoredProfile = z.object({
  computedAt: z.number(),
  /** The earliest end of a grant the placements rest on (epoch ms). */
  validUntil: z.number().nullable(),
  placements: z.array(StoredPlacement),
  /** `kind|organisationRef` of the chosen placement. */
  chosen: z.string().nullable(),
  refusal: z.enum(REFUSALS).nullable(),
  /** The organisation the SIRET named, when the second signal failed. */
  refusalOrganisation: z.string().nullable(),
});
type StoredProfile = z.infer<typeof StoredProfile>;

const PreviewSchema = z.object({
  kind: ProfileKindSchema,
  label: z.string(),
  perimeter: PerimeterSchema,
  startedAt: z.number(),
});
export type Preview = z.infer<typeof PreviewSchema>;

declare module "express-session" {
  interface SessionData {
    profile: StoredProfile;
    preview: Preview;
  }
}

/**
 * The session's stored profile, validated once per stored object: pages and APIs ask for it several times
 * a request (layout, route, viewer), and a new object (a new placement, another organisation chosen) is
 * validated again (so the profile is always replaced, never changed in place). Undefined when the session
 * holds none or one this version cannot read.
 */
const checkedProfile = checkedPerObject(StoredProfile);
function storedProfileOf(req: Request): StoredProfile | undefined {
  return checkedProfile(req.session?.profile) ?? undefined;
}

export interface Profile {
  kind: ProfileKind;
  organisationRef: string;
  organisationLabel: string;
  perimeter: Perimeter;
  source: Placement["source"] | "preview";
  /** True while a staff member previews the product as this profile (exports are then disabled). */
  preview: boolean;
}

export const placementKey = (p: Pick<Placement, "kind" | "organisationRef">) =>
  `${p.kind}|${p.organisationRef}`;

function identityOf(user: SessionUser) {
  return {
    sub: user.sub,
    email: user.email,
    siret: user.siret ?? undefined,
    idpId: user.idpId ?? undefined,
    custom: user.custom,
  };
}

async function compute(
  service: PlacementService,
  req: Request,
  user: SessionUser,
  previous: StoredProfile | undefined,
  atLogin = false,
): Promise<StoredProfile> {
  const { result, validUntil } = await service.place(identityOf(user), {
    requestId: String(req.id ?? ""),
    atLogin,
  });
  const keys = result.placements.map(placementKey);
  const chosen = previous?.chosen && keys.includes(previous.chosen) ? previous.chosen : (keys[0] ?? null);
  const placements = result.placements.map((p) => StoredPlacement.parse(p));
  return {
    computedAt: Date.now(),
    validUntil: validUntil?.getTime() ?? null,
    placements,
    chosen,
    refusal: result.refusal,
    refusalOrganisation: (result.refusal && result.organisation) || null,
  };
}

/**
 * The onLogin hook of the auth router: places the person before the session is saved, and records the
 * session as theirs (so that a change to their grants can end it).
 */
export function placeOnLogin(service: PlacementService, sessions: OpenSessions) {
  return async (user: SessionUser, req: Request): Promise<void> => {
    req.session.profile = await compute(service, req, user, undefined, true);
    delete req.session.preview;
    await sessions.remember(req);
  };
}

/**
 * Works the placement out again when a grant it rests on has ended or it is older than `maxAgeMs`, and
 * exposes the profile to the page layout.
 */
export function refreshProfile(deps: { service: PlacementService; maxAgeMs: number }): RequestHandler {
  return async (req, res, next) => {
    const user = getSessionUser(req);
    if (!user) return next();
    if (!profileIsCurrent(req, deps.maxAgeMs)) {
      req.session.profile = await compute(deps.service, req, user, storedProfileOf(req));
    }
    res.locals.profile = currentProfile(req);
    const profile = storedProfileOf(req);
    res.locals.placements = profile?.placements ?? [];
    res.locals.chosenPlacement = profile?.chosen ?? null;
    next();
  };
}

/**
 * Whether the session's stored profile may be used as it is: readable, younger than `maxAgeMs`, and no
 * grant it rests on has ended. Otherwise `refreshProfile` works it out again.
 */
export function profileIsCurrent(req: Request, maxAgeMs: number, now = Date.now()): boolean {
  const stored = storedProfileOf(req);
  return (
    stored !== undefined &&
    now - stored.computedAt <= maxAgeMs &&
    (stored.validUntil === null || now < stored.validUntil)
  );
}

/** The placement the person chose (their own, never a preview). */
export function ownProfile(req: Request): Profile | null {
  if (!getSessionUser(req)) return null;
  const stored = storedProfileOf(req);
  if (!stored?.chosen) return null;
  const placement = stored.placements.find((p) => placementKey(p) === stored.chosen);
  return placement ? { ...placement, preview: false } : null;
}

/**
 * The profile pages and APIs act for: a staff member's preview when one is on, else their own; its
 * perimeter completed with its bassins and EPCI (src/perimeter/narrowed-profile.ts).
 */
export function currentProfile(req: Request): Profile | null {
  const profile = storedOrPreviewProfile(req);
  return profile && { ...profile, perimeter: withTerritories(profile.perimeter, req) };
}

function storedOrPreviewProfile(req: Request): Profile | null {
  const own = ownProfile(req);
  if (!own) return null;
  if (own.kind === "staff") {
    const preview = PreviewSchema.safeParse(req.session.preview);
    if (preview.success) {
      return {
        kind: preview.data.kind,
        organisationRef: `apercu:${preview.data.kind}`,
        organisationLabel: preview.data.label,
        perimeter: preview.data.perimeter,
        source: "preview",
        preview: true,
      };
    }
  }
  return own;
}

/** Why the person could not be placed, and which organisation the SIRET named, if that was the point. */
export function refusalOf(req: Request): { refusal: Refusal; organisation: string | null } | null {
  const stored = storedProfileOf(req);
  if (!stored?.refusal) return null;
  return { refusal: stored.refusal, organisation: stored.refusalOrganisation };
}

/** The person chooses among their placements (organisation switcher). */
export function choosePlacement(req: Request, key: string): boolean {
  const stored = storedProfileOf(req);
  if (!stored?.placements.some((p) => placementKey(p) === key)) return false;
  req.session.profile = { ...stored, chosen: key };
  return true;
}

export function startPreview(
  req: Request,
  preview: { kind: ProfileKind; label: string; perimeter: Perimeter },
): void {
  req.session.preview = PreviewSchema.parse({ ...preview, startedAt: Date.now() });
}

export function stopPreview(req: Request): Preview | undefined {
  const preview = req.session.preview;
  delete req.session.preview;
  return preview;
}

/**
 * Guards pages and APIs that need a profile: 401 (or the login page) without a session, and for a
 * person the gateway could not place, the request-access page (or 403 JSON) — never a default perimeter.
 */
export const requireProfile: RequestHandler = (req, res, next) => {
  if (!getSessionUser(req)) return requireUser(req, res, next);
  if (currentProfile(req)) return next();
  if (wantsJson(req)) throw new NoAccessError();
  res.redirect(303, "/demande-acces");
};

/** A logged-in person the gateway could not place (PRODUCT.md §3, invariant 6): never a default perimeter. */
export class NoAccessError extends ForbiddenError {
  constructor() {
    super("Vous n'avez pas encore accès aux données : demandez un accès.", "no_access");
  }
}

/** The profile a route acts for: 401 without a session, NoAccessError for a person not placed. */
export function profileOrThrow(req: Request): Profile {
  if (!getSessionUser(req)) throw new UnauthenticatedError();
  const profile = currentProfile(req);
  if (!profile) throw new NoAccessError();
  return profile;
}

/** Staff only, on their own profile (not while previewing). */
export const requireStaff: RequestHandler = (req, _res, next) => {
  if (!getSessionUser(req)) throw new UnauthenticatedError();
  if (ownProfile(req)?.kind !== "staff")
    throw new ForbiddenError("Cette page est réservée à l'équipe Pilotage.");
  next();
};

/**
 * Staff rights read again from the gateway database on every staff request, not from the session: a
 * staff grant revoked or expired a moment ago opens no staff page (mounted on `/admin`, before every
 * router serving a staff page).
 */
export function recheckStaff(deps: { db: Database; now?: () => Date }): RequestHandler {
  return async (req, _res, next) => {
    const user = getSessionUser(req);
    if (!user) throw new UnauthenticatedError();
    const grant = await activeStaffGrant(
      deps.db,
      { sub: user.sub, idpId: user.idpId ?? undefined },
      deps.now?.() ?? new Date(),
    );
    if (!grant || ownProfile(req)?.kind !== "staff")
      throw new ForbiddenError("Cette page est réservée à l'équipe Pilotage.");
    next();
  };
}
