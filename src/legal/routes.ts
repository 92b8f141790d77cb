import { Router } from "express";
import type { Config } from "../config.js";
import { countOf } from "../french-plural.js";
import { renderPage } from "../http/render.js";
import { legalFacts, missingLegalFacts, type LegalContent } from "./legal-content.js";

/**
 * What a public service site must say (issue 19): « Mentions légales » (who publishes, who hosts) and
 * « Données personnelles » (what the gateway keeps about the people who use it, why, for how long, who
 * to ask). Durations come from the configuration that applies them, so the page cannot drift from what
 * `pilotage retention` and the session store do.
 */

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return countOf(seconds / 3600, "heure", "heures");
  return countOf(Math.round(seconds / 60), "minute", "minutes");
}

export function legalRouter(deps: { config: Config; content: LegalContent }): Router {
  const { config, content } = deps;
  const router = Router();
  const missing = missingLegalFacts(content);
  const facts = Object.fromEntries(legalFacts(content).map((f) => [f.label, f.value]));

  router.get("/mentions-legales", async (req, res) => {
    await renderPage(req, res, "legal/mentions-legales", {
      title: "Mentions légales",
      content,
      missing,
      facts,
      siteUrl: config.http.publicUrl,
      contactEmail: config.contact.email,
    });
  });

  router.get("/donnees-personnelles", async (req, res) => {
    await renderPage(req, res, "legal/donnees-personnelles", {
      title: "Données personnelles",
      content,
      missing: missing.filter((label) => /traitement|délégué/.test(label)),
      contactEmail: config.contact.email,
      sessionIdle: duration(config.session.idleTimeoutSeconds),
      sessionMax: duration(config.session.absoluteTimeoutSeconds),
      auditDays: config.retention.auditIdentityDays,
      visitDays: config.retention.visitDays,
      matomoOrigin: config.matomo ? new URL(config.matomo.url).origin : null,
    });
  });
  return router;
}
