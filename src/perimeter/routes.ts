import express, { Router } from "express";
import type { Redis } from "ioredis";
import { getSessionUser, requireSessionUser, requireUser, saveSession } from "../auth/session.js";
import { AppError, BadRequestError } from "../errors.js";
import { formErrorsOf } from "../form-errors.js";
import { rateLimit } from "../http/rate-limit.js";
import { renderPage, type FormError } from "../http/render.js";
import type { Database } from "../storage/database.js";
import { ALL_DEPARTEMENT_CODES, DEPARTEMENTS, findRegion } from "../territories/territories.js";
import { AccessRequestForm, createAccessRequest, pendingRequestOf } from "./access-requests.js";
import { describePerimeter } from "./lock-values.js";
import { PROFILE_LABELS, refusalMessage } from "./placement.js";
import { choosePlacement, currentProfile, ownProfile, refusalOf } from "./session-profile.js";

/** Access requests a person may send per hour (a refused person cannot flood the staff's list). */
export const ACCESS_REQUESTS_PER_HOUR = 5;

/** A placed person asks for access: they have it already, and are told where to find it. */
class AlreadyPlacedError extends AppError {
  constructor(organisation: string) {
    super(409, `Vous avez déjà accès aux tableaux de bord, au titre de « ${organisation} ».`, {
      code: "already_placed",
      title: "Vous avez déjà accès",
      link: { href: "/tableaux-de-bord", label: "Voir vos tableaux de bord" },
    });
  }
}

/**
 * The pages of a logged-in person about their own access: the request-access page for people the gateway
 * could not place (which says which signal was missing), and the organisation switcher. Staff pages are
 * in src/staff/.
 */
export function perimeterRouter(deps: { db: Database; redis: Redis | undefined }): Router {
  const { db } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "20kb" });
  const requestLimit = rateLimit({
    name: "access-request",
    points: ACCESS_REQUESTS_PER_HOUR,
    windowSeconds: 3600,
    redis: deps.redis,
    keyOf: (req) => `sub:${getSessionUser(req)?.sub ?? req.ip ?? "unknown"}`,
  });

  const requestPage = async (
    req: express.Request,
    res: express.Response,
    fields: { values?: Record<string, unknown>; errors?: FormError[] } = {},
  ) => {
    const user = requireSessionUser(req);
    const own = ownProfile(req);
    const refusal = refusalOf(req);
    await renderPage(
      req,
      res,
      "perimeter/request-access",
      {
        title: own ? "Vous avez déjà accès" : "Demander un accès",
        placedAs: own ? { kind: PROFILE_LABELS[own.kind], organisation: own.organisationLabel } : null,
        reason: refusal ? refusalMessage(refusal.refusal, refusal.organisation) : null,
        pending: own ? undefined : await pendingRequestOf(db, user.sub),
        sent: req.query.envoyee === "1",
        values: fields.values ?? { organisation: user.organizationLabel ?? "", role: "", reason: "" },
        errors: fields.errors ?? [],
      },
      fields.errors?.length ? 400 : 200,
    );
  };

  router.get("/demande-acces", requireUser, async (req, res) => {
    await requestPage(req, res);
  });

  router.post("/demande-acces", requireUser, requestLimit, form, async (req, res) => {
    const user = requireSessionUser(req);
    const own = ownProfile(req);
    if (own) throw new AlreadyPlacedError(own.organisationLabel);
    const parsed = AccessRequestForm.safeParse(req.body);
    if (!parsed.success) {
      await requestPage(req, res, {
        values: req.body ?? {},
        errors: formErrorsOf(parsed.error.issues),
      });
      return;
    }
    await createAccessRequest(
      db,
      {
        sub: user.sub,
        email: user.email,
        givenName: user.givenName,
        usualName: user.usualName,
        siret: user.siret ?? undefined,
        idpId: user.idpId ?? undefined,
        organizationLabel: user.organizationLabel ?? undefined,
      },
      parsed.data,
      String(req.id ?? ""),
    );
    res.redirect(303, "/demande-acces?envoyee=1");
  });

  router.post("/organisation", requireUser, form, async (req, res) => {
    const key = typeof req.body?.organisation === "string" ? req.body.organisation : "";
    if (!choosePlacement(req, key))
      throw new BadRequestError("Cette organisation ne fait pas partie des vôtres.");
    await saveSession(req);
    res.redirect(303, "/tableaux-de-bord");
  });

  return router;
}

/** `/api/me`'s profile part: kind, organisation, perimeter with codes and labels. */
export function describeProfileForApi(req: express.Request) {
  const profile = currentProfile(req);
  if (!profile) return { profile: null, access: getSessionUser(req) ? "none" : "anonymous" };
  const departements = profile.perimeter.departements ?? [];
  return {
    profile: {
      kind: profile.kind,
      label: PROFILE_LABELS[profile.kind],
      organisation: { ref: profile.organisationRef, label: profile.organisationLabel },
      preview: profile.preview,
      own: ownProfile(req)?.kind ?? null,
      perimeter: {
        departements: departements.map((code) => ({
          code,
          label: DEPARTEMENTS.find((d) => d.code === code)?.libelle ?? code,
        })),
        region: profile.perimeter.region
          ? {
              code: profile.perimeter.region,
              label: findRegion(profile.perimeter.region)?.nom ?? profile.perimeter.region,
            }
          : null,
        structures: profile.perimeter.structures ?? [],
        reseau: profile.perimeter.reseau ?? null,
        organisation: profile.perimeter.organisation ?? null,
        description: describePerimeter(profile.perimeter, ALL_DEPARTEMENT_CODES.length),
      },
    },
  };
}
