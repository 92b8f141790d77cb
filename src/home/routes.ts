import { Router } from "express";
import { getSessionUser } from "../auth/session.js";
import { renderPage } from "../http/render.js";
import { currentProfile } from "../perimeter/session-profile.js";

export function homeRouter(): Router {
  const router = Router();
  router.get("/", async (req, res) => {
    // A logged-in person the gateway could not place goes straight to the request-access page.
    if (getSessionUser(req) && !currentProfile(req)) return res.redirect(303, "/demande-acces");
    await renderPage(req, res, "pages/home", { title: "Pilotage de l'inclusion" });
  });
  return router;
}
