import { Router, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { requireSessionUser } from "../auth/session.js";
import { renderPage, type FormError } from "../http/render.js";
import { createGrant, listGrants, rebindGrant, revokeGrant } from "../perimeter/grants.js";
import { describePerimeter } from "../perimeter/lock-values.js";
import { grantState, PROFILE_KINDS, PROFILE_LABELS } from "../perimeter/placement.js";
import { ALL_DEPARTEMENT_CODES, REGIONS } from "../territories/territories.js";
import { GrantForm, inFormOrder, readDecision, valuesOf } from "./decision-form.js";
import { recordIdOf } from "./record-id.js";
import { endSessionsOf, requestIdOf, type StaffDeps } from "./routes.js";

const RebindForm = z.object({
  sub: z.string().trim().max(200).optional(),
  idp_id: z.string().trim().max(200).optional(),
});

/** /admin/acces: the grants, granting one, revoking one, and re-binding one to another account. */
export function grantRoutes(deps: StaffDeps, form: RequestHandler): Router {
  const { db } = deps;
  const router = Router();

  const grantsPage = async (
    req: Request,
    res: Response,
    returned: { values: Record<string, string>; errors: FormError[] } = { values: {}, errors: [] },
  ) => {
    const grants = await listGrants(db, { includeRevoked: true });
    await renderPage(
      req,
      res,
      "staff/grants",
      {
        title: "Accès accordés",
        grants: grants.map((g) => ({
          ...g,
          kindLabel: PROFILE_LABELS[g.kind],
          scope: describePerimeter(g.perimeter, ALL_DEPARTEMENT_CODES.length),
          state: grantState(g, new Date()),
        })),
        kinds: PROFILE_KINDS.map((k) => ({ key: k, label: PROFILE_LABELS[k] })),
        regions: REGIONS,
        flash: typeof req.query.fait === "string" ? req.query.fait : null,
        values: returned.values,
        errors: returned.errors,
      },
      returned.errors.length > 0 ? 400 : 200,
    );
  };

  router.get("/acces", async (req, res) => {
    await grantsPage(req, res);
  });

  router.post("/acces", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const read = readDecision(GrantForm, req.body);
    const errors = read.errors ?? [];
    const subject = GrantForm.pick({ email: true, sub: true }).safeParse(req.body);
    if (subject.success && !subject.data.email && !subject.data.sub) {
      errors.unshift({
        field: "email",
        message: "Indiquez l'adresse électronique ou l'identifiant ProConnect de la personne.",
      });
    }
    if (read.errors || errors.length > 0) {
      await grantsPage(req, res, { values: valuesOf(req.body), errors: inFormOrder(errors) });
      return;
    }
    const created = await createGrant(
      db,
      {
        subject: { email: read.form.email || undefined, sub: read.form.sub || undefined },
        ...read.decision,
        grantedBy: staff.email,
      },
      { requestId: requestIdOf(req) },
    );
    // Someone logged in with this address or account gets the grant at their next login, now.
    await endSessionsOf(deps, req, [{ sub: created.subjectSub, email: created.subjectEmail }]);
    res.redirect(303, "/admin/acces?fait=cree");
  });

  router.post("/acces/:id/revoquer", async (req, res) => {
    const staff = requireSessionUser(req);
    const revoked = await revokeGrant(db, recordIdOf(req.params.id, "accès"), staff.email, {
      requestId: requestIdOf(req),
    });
    await endSessionsOf(deps, req, [{ sub: revoked.subjectSub, email: revoked.subjectEmail }]);
    res.redirect(303, "/admin/acces?fait=revoque");
  });

  // The person's `sub` changed with their identity provider: the grant follows them to the new account,
  // or, with no `sub`, waits unbound for the next login with its e-mail.
  router.post("/acces/:id/rattacher", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const id = recordIdOf(req.params.id, "accès");
    const fields = RebindForm.parse(valuesOf(req.body));
    const { before, after } = await rebindGrant(
      db,
      id,
      fields.sub ? { sub: fields.sub, idpId: fields.idp_id || undefined } : null,
      staff.email,
      { requestId: requestIdOf(req) },
    );
    await endSessionsOf(deps, req, [
      { sub: before.subjectSub },
      { sub: after.subjectSub, email: after.subjectSub ? undefined : after.subjectEmail },
    ]);
    res.redirect(303, "/admin/acces?fait=rattache");
  });

  return router;
}
