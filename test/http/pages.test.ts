import assert from "node:assert/strict";
import express from "express";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { errorHandler } from "../../src/http/error-handler.js";
import { documentTitle } from "../../src/http/render.js";
import { requestLogging } from "../../src/http/request-logging.js";
import { buildApp, captureLogger, openTestStack, type TestStack } from "../support/app.js";
import { testConfig, testServices } from "../support/services.js";

const EXPECTED_CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';frame-src https://stats.example.gouv.fr;frame-ancestors 'none';object-src 'none';base-uri 'self';form-action 'self'";

describe("pages and security headers", () => {
  let stack: TestStack;
  before(async () => {
    stack = await openTestStack({
      config: testConfig({
        REDIS_URL: testServices.redisUrl,
        METABASE_SITE_URL: "https://stats.example.gouv.fr/",
        METABASE_EMBEDDING_SECRET_KEY: "0".repeat(64),
        CONTACT_EMAIL: "accessibilite@pilotage.example.gouv.fr",
      }),
    });
  });
  after(() => stack.close());

  for (const path of ["/", "/page-qui-n-existe-pas", "/healthz", "/readyz", "/static/dsfr/dsfr.min.css"]) {
    it(`sends the security headers on ${path}`, async () => {
      const res = await request(buildApp(stack)).get(path);
      assert.equal(res.headers["content-security-policy"], EXPECTED_CSP);
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      assert.equal(res.headers["referrer-policy"], "same-origin");
      assert.equal(res.headers["x-powered-by"], undefined);
      assert.match(res.headers["x-request-id"] ?? "", /^[0-9a-f-]{36}$/);
    });
  }

  it("serves the French home page with the DSFR header, skip links and footer", async () => {
    const res = await request(buildApp(stack)).get("/").expect(200);
    assert.match(res.text, /<html lang="fr"/);
    assert.match(res.text, /<p class="fr-header__service-title">Pilotage de l'inclusion<\/p>/);
    assert.match(res.text, /<a class="fr-link" href="#contenu">Contenu<\/a>/);
    assert.match(res.text, /<footer class="fr-footer"/);
    assert.match(res.text, /<link rel="stylesheet" href="\/static\/dsfr\/dsfr.min.css">/);
    assert.doesNotMatch(res.text, /<script>(?!<)/, "no inline script");
  });

  const FOOTER_LINK =
    /<li class="fr-footer__bottom-item"><a class="fr-footer__bottom-link" href="\/accessibilite" >Accessibilité : non conforme<\/a><\/li>/;

  it("links every page's footer to the accessibility statement, « non conforme » (no audit yet)", async () => {
    for (const [path, status] of [
      ["/", 200],
      ["/tableaux-de-bord", 200],
      ["/connexion", 200],
      ["/nulle-part", 404],
    ] as const) {
      const res = await request(buildApp(stack)).get(path).expect(status);
      assert.match(res.text, FOOTER_LINK, path);
      assert.doesNotMatch(res.text, /partiellement conforme|totalement conforme/, path);
    }
  });

  it("serves the accessibility statement at /accessibilite, with the contact and the recourse", async () => {
    const res = await request(buildApp(stack)).get("/accessibilite").expect(200);
    assert.match(res.text, /<title>Déclaration d&#39;accessibilité — Pilotage de l'inclusion<\/title>/);
    assert.match(res.text, /<h1>Déclaration d&#39;accessibilité<\/h1>/);
    assert.match(
      res.text,
      /<a class="fr-footer__bottom-link" href="\/accessibilite" aria-current="page">Accessibilité : non conforme<\/a>/,
    );
    assert.match(res.text, /Établie le \d{1,2} [a-zéû]+ \d{4}\./);
    assert.match(res.text, /l'article 47 de la loi n° 2005-102 du 11 février 2005/);
    assert.match(res.text, /s'applique au site Pilotage de l'inclusion \(http:\/\/localhost:\d+\)/);
    const state = /<p id="etat-de-conformite">([\s\S]*?)<\/p>/.exec(res.text)?.[1]?.replace(/\s+/g, " ");
    assert.equal(
      state,
      " <strong>Pilotage de l'inclusion est non conforme</strong> avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1 : aucun audit de conformité n'a encore été réalisé, et un site sans audit ne peut être déclaré que non conforme. Cette déclaration sera mise à jour après le premier audit. ",
    );
    assert.doesNotMatch(res.text, /partiellement conforme|totalement conforme|est conforme/);
    assert.match(res.text, /axe-core/);
    assert.match(res.text, /uniquement au clavier/);
    assert.match(
      res.text,
      /<p id="contact-accessibilite">\s*Écrivez-nous à <a href="mailto:accessibilite@pilotage\.example\.gouv\.fr">accessibilite@pilotage\.example\.gouv\.fr<\/a>\.\s*<\/p>/,
    );
    const recourse = /<ul id="voies-de-recours">([\s\S]*?)<\/ul>/.exec(res.text)?.[1] ?? "";
    assert.deepEqual(
      [...recourse.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/\s+/g, " ").trim()),
      [
        '<a href="https://formulaire.defenseurdesdroits.fr/">écrire un message au Défenseur des droits</a> (formulaire en ligne) ;',
        '<a href="https://www.defenseurdesdroits.fr/carte-des-delegues">contacter le délégué du Défenseur des droits dans votre région</a> ;',
        "envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
      ],
    );
  });

  it("says so on the statement when no contact address is configured (the demo)", async () => {
    const app = createApp({ ...stack.deps, config: { ...stack.deps.config, contact: { email: undefined } } });
    const res = await request(app).get("/accessibilite").expect(200);
    assert.match(
      res.text,
      /<p id="contact-accessibilite">\s*Cette instance de démonstration n'a pas d'adresse de contact configurée\.\s*<\/p>/,
    );
    assert.doesNotMatch(res.text, /mailto:/);
  });

  it("puts « Erreur : » first in the title of a page shown again with errors, and only then", () => {
    assert.equal(documentTitle({ title: "Demander un accès" }), "Demander un accès");
    assert.equal(documentTitle({ title: "Demander un accès", errors: [] }), "Demander un accès");
    assert.equal(
      documentTitle({ title: "Demander un accès", errors: [{ field: "reason", message: "Trop court." }] }),
      "Erreur : Demander un accès",
    );
  });

  it("answers an unknown page with a French 404 page, and JSON for the API", async () => {
    const page = await request(buildApp(stack)).get("/nulle-part").expect(404);
    assert.match(page.text, /<h1>Page non trouvée<\/h1>/);
    assert.match(page.text, /La page demandée n&#39;existe pas ou a été déplacée\./);
    const api = await request(buildApp(stack)).get("/api/nulle-part").expect(404);
    assert.deepEqual(api.body, {
      error: "not_found",
      message: "La page demandée n'existe pas ou a été déplacée.",
      requestId: api.headers["x-request-id"],
    });
  });
});

describe("error handler", () => {
  function failingApp() {
    const { logger, lines } = captureLogger("error");
    const app = express();
    app.use(requestLogging(logger));
    app.get("/boom", () => {
      throw new Error("connection to postgres://admin:hunter2@db failed");
    });
    app.get("/check", () => {
      // What pg throws when a row breaks a constraint: its SQLSTATE is in `code`.
      throw Object.assign(new Error("new row violates check constraint"), { code: "23514" });
    });
    app.use(errorHandler);
    return { app, lines };
  }

  it("shows a 500 page with the request id, never the stack or the upstream message", async () => {
    const { app, lines } = failingApp();
    const res = await request(app).get("/boom").expect(500);
    const requestId = res.headers["x-request-id"];
    assert.match(res.text, /<h1>Erreur inattendue<\/h1>/);
    assert.ok(res.text.includes(`<code id="identifiant-requete">${requestId}</code>`));
    assert.ok(!res.text.includes("hunter2"));
    assert.ok(!res.text.includes("at "), "no stack frame");
    assert.ok(lines.some((line) => line.includes(requestId!) && line.includes('"level":50')));
  });

  it("logs the error's own code (SQLSTATE, ours), which the redaction of `*.code` would hide", async () => {
    const { app, lines } = failingApp();
    await request(app).get("/check").expect(500);
    const line = lines.find((l) => l.includes("request failed"));
    assert.ok(line, lines.join("\n"));
    assert.equal((JSON.parse(line) as { err?: { errorCode?: string } }).err?.errorCode, "23514");
  });

  it("answers JSON to API clients with a generic message", async () => {
    const { app } = failingApp();
    const res = await request(app).get("/boom").set("Accept", "application/json").expect(500);
    assert.deepEqual(Object.keys(res.body).sort(), ["error", "message", "requestId"]);
    assert.equal(res.body.error, "error");
    assert.ok(!JSON.stringify(res.body).includes("hunter2"));
  });
});
