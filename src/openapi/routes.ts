import { Router } from "express";
import { openApiDocument } from "./document.js";

/** `GET /api/openapi.json`: public, the same for everyone, built once. */
export function openApiRouter(): Router {
  const router = Router();
  const body = JSON.stringify(openApiDocument());
  router.get("/api/openapi.json", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(body);
  });
  return router;
}
