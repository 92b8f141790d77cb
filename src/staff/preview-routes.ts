import { Router, type RequestHandler } from "express";
import { writeAudit } from "../audit/audit-log.js";
import { requireSessionUser, saveSession } from "../auth/session.js";
import { BadRequestError } from "../errors.js";
import { renderPage } from "../http/render.js";
import { PROFILE_LABELS } from "../perimeter/placement.js";
import { currentProfile, startPreview, stopPreview } from "../perimeter/session-profile.js";
import { PREVIEW_KINDS, PreviewForm, previewOptions, previewProfile } from "./preview-choices.js";
import { requestIdOf, type StaffDeps } from "./routes.js";

/** /admin/apercu: staff see the product as a real territory, organisation, network or employer sees it. */
export function previewRoutes(deps: StaffDeps, form: RequestHandler): Router {
  const { db } = deps;
  const router = Router();

  router.get("/apercu", async (req, res) => {
    const current = currentProfile(req);
    await renderPage(req, res, "staff/preview", {
      title: "Aperçu en tant que…",
      kinds: PREVIEW_KINDS.map((k) => ({ key: k, label: PROFILE_LABELS[k] })),
      ...(await previewOptions(deps.warehouse)),
      current: current?.preview ? current : null,
    });
  });

  router.post("/apercu", form, async (req, res) => {
    const user = requireSessionUser(req);
    const choice = PreviewForm.safeParse(req.body ?? {});
    if (!choice.success) throw new BadRequestError(choice.error.issues.map((i) => i.message).join(" "));
    const { kind, label, perimeter } = await previewProfile(choice.data, deps);
    startPreview(req, { kind, label, perimeter });
    await writeAudit(db, {
      action: "preview.started",
      actor: { sub: user.sub, email: user.email },
      profileKind: kind,
      lockedValues: { perimeter },
      details: { label },
      requestId: requestIdOf(req),
    });
    await saveSession(req);
    res.redirect(303, "/tableaux-de-bord");
  });

  router.post("/apercu/quitter", async (req, res) => {
    const user = requireSessionUser(req);
    const stopped = stopPreview(req);
    if (stopped) {
      await writeAudit(db, {
        action: "preview.stopped",
        actor: { sub: user.sub, email: user.email },
        profileKind: stopped.kind,
        requestId: requestIdOf(req),
      });
    }
    await saveSession(req);
    res.redirect(303, "/admin/apercu");
  });

  return router;
}
