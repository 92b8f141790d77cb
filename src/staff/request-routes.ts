import { Router, type Request, type RequestHandler, type Response } from "express";
import { requireSessionUser } from "../auth/session.js";
import { BadRequestError } from "../errors.js";
import { renderPage, type FormError } from "../http/render.js";
import {
  approveAccessRequest,
  approveByRebinding,
  listAccessRequests,
  refuseAccessRequest,
  type AccessRequest,
} from "../perimeter/access-requests.js";
import { listGrants, type StoredGrant } from "../perimeter/grants.js";
import { grantState, PROFILE_KINDS, PROFILE_LABELS } from "../perimeter/placement.js";
import { REGIONS } from "../territories/territories.js";
import { DecisionForm, readDecision, valuesOf } from "./decision-form.js";
import { recordIdOf } from "./record-id.js";
import { endSessionsOf, requestIdOf, type StaffDeps } from "./routes.js";

/**
 * A grant for the request's e-mail that another ProConnect account holds: the person changed identity
 * provider (their `sub` changed), and staff may re-bind it to the account that asks.
 */
function rebindable(request: AccessRequest, grants: readonly StoredGrant[], now: Date) {
  return grants
    .filter(
      (g) =>
        g.subjectEmail === request.email &&
        g.subjectSub !== null &&
        g.subjectSub !== request.sub &&
        grantState(g, now) === "actif",
    )
    .map((g) => ({
      id: g.id,
      kindLabel: PROFILE_LABELS[g.kind],
      organisationLabel: g.organisationLabel,
      idpId: g.boundIdpId,
    }));
}

/** /admin/demandes: the pending requests with the claims they came with, and their decisions. */
export function requestRoutes(deps: StaffDeps, form: RequestHandler): Router {
  const { db } = deps;
  const router = Router();

  const requestsPage = async (
    req: Request,
    res: Response,
    failed: { id: number; values: Record<string, string>; errors: FormError[] } | null = null,
  ) => {
    const now = new Date();
    const grants = await listGrants(db);
    const requests = (await listAccessRequests(db, "pending")).map((r) => ({
      ...r,
      rebindable: rebindable(r, grants, now),
    }));
    await renderPage(
      req,
      res,
      "staff/requests",
      {
        title: "Demandes d'accès",
        requests,
        decided: (await listAccessRequests(db, "all"))
          .filter((r) => r.status !== "pending")
          .slice(-20)
          .reverse(),
        kinds: PROFILE_KINDS.map((k) => ({ key: k, label: PROFILE_LABELS[k] })),
        regions: REGIONS,
        flash: typeof req.query.fait === "string" ? req.query.fait : null,
        failed,
        errors: failed?.errors ?? [],
      },
      failed ? 400 : 200,
    );
  };

  router.get("/demandes", async (req, res) => {
    await requestsPage(req, res);
  });

  router.post("/demandes/:id/accepter", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const id = recordIdOf(req.params.id, "demande");
    const read = readDecision(DecisionForm, req.body);
    if (read.errors) {
      const pending = await listAccessRequests(db, "pending");
      // A request already decided (or unknown) has no form left to show the problems in.
      if (!pending.some((r) => r.id === id))
        throw new BadRequestError(read.errors.map((e) => e.message).join(" "));
      await requestsPage(req, res, { id, values: valuesOf(req.body), errors: read.errors });
      return;
    }
    const { request } = await approveAccessRequest(
      db,
      id,
      { ...read.decision, decidedBy: staff.email },
      requestIdOf(req),
    );
    await endSessionsOf(deps, req, [{ sub: request.sub }]);
    res.redirect(303, "/admin/demandes?fait=acceptee");
  });

  router.post("/demandes/:id/rattacher", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const id = recordIdOf(req.params.id, "demande");
    const grantId = recordIdOf(req.body?.acces, "accès");
    const { request, before } = await approveByRebinding(db, id, grantId, staff.email, requestIdOf(req));
    await endSessionsOf(deps, req, [{ sub: request.sub }, { sub: before.subjectSub }]);
    res.redirect(303, "/admin/demandes?fait=rattachee");
  });

  router.post("/demandes/:id/refuser", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const id = recordIdOf(req.params.id, "demande");
    const note = typeof req.body?.note === "string" ? req.body.note.slice(0, 500) : undefined;
    await refuseAccessRequest(db, id, { decidedBy: staff.email, note }, requestIdOf(req));
    res.redirect(303, "/admin/demandes?fait=refusee");
  });

  return router;
}
