import { Router } from "express";
import { renderPage } from "../http/render.js";

export function homeRouter(): Router {
  const router = Router();
  router.get("/", async (req, res) => {
    await renderPage(req, res, "pages/home", { title: "Pilotage de l'inclusion" });
  });
  return router;
}
