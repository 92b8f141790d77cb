import { Router } from "express";
import { getSessionUser } from "../auth/session.js";
import { renderPage } from "../http/render.js";
import { currentProfile } from "../perimeter/session-profile.js";

export function homeRouter(): Router {
  const router = Router();
  router.get("/", async (req, res) => {
    // A logged-in person goes to their dashboards, or to the request-access page when the gateway could
    // not place them.
    if (getSessionUser(req)) {
      return res.redirect(303, currentProfile(req) ? "/tableaux-de-bord" : "/demande-acces");
    }
    await renderPage(req, res, "pages/home", { title: "Pilotage de l'inclusion" });
  });
  return router;
}
