import { Router } from "express";
import { getSessionUser } from "../auth/session.js";
import type { Config } from "../config.js";
import { renderPage } from "../http/render.js";
import { currentProfile } from "../perimeter/session-profile.js";

/** The day the accessibility statement was last written; change it with the statement (RGAA asks for it). */
const ACCESSIBILITY_STATEMENT_DATE = "29 novembre 2026";

export function homeRouter(deps: { config: Config }): Router {
  const { config } = deps;
  const router = Router();
  router.get("/", async (req, res) => {
    // A logged-in person goes to their dashboards, or to the request-access page when the gateway could
    // not place them.
    if (getSessionUser(req)) {
      return res.redirect(303, currentProfile(req) ? "/tableaux-de-bord" : "/demande-acces");
    }
    await renderPage(req, res, "pages/home", { title: "Pilotage de l'inclusion" });
  });

  // The accessibility statement every public site must link from each page (footer), as the RGAA's
  // model statement lays it out. No audit has been made: the only honest status is « non conforme ».
  router.get("/accessibilite", async (req, res) => {
    await renderPage(req, res, "pages/accessibility", {
      title: "Déclaration d'accessibilité",
      siteUrl: config.http.publicUrl,
      contactEmail: config.contact.email,
      statementDate: ACCESSIBILITY_STATEMENT_DATE,
    });
  });
  return router;
}
