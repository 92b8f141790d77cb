import assert from "node:assert/strict";
import request from "supertest";
import { createApp } from "../../src/app.js";
import { loadLegalContent, missingLegalFacts, type LegalContent } from "../../src/legal/legal-content.js";
import { openTestStack, type TestStack } from "../support/app.js";
import { testConfig, testServices } from "../support/services.js";

/**
 * What a public service site must have (issue 19): « Mentions légales » and « Données personnelles »,
 * linked from every page; facts the publisher has not given shown as missing, never invented; durations
 * read from the configuration that applies them; Matomo allowed by the CSP and asked for only when it is
 * configured.
 */
const MATOMO = "https://mesure.example.gouv.fr";

const FILLED: LegalContent = {
  editeur: { nom: "Éditeur public d'essai", adresse: "1 rue de l'Essai, 75000 Paris", telephone: null },
  directeur_de_la_publication: "Camille Essai",
  hebergeur: {
    nom: "Hébergeur d'essai",
    adresse: "2 avenue du Test, 59000 Lille",
    telephone: "01 02 03 04 05",
  },
  donnees_personnelles: {
    responsable_de_traitement: "Éditeur public d'essai",
    delegue_protection_donnees: "dpd@essai.example.gouv.fr",
    base_legale: "mission d'intérêt public (article 6.1.e du RGPD)",
  },
};

describe("legal pages", () => {
  let plain: TestStack;
  let measured: TestStack;
  before(async () => {
    plain = await openTestStack({
      config: testConfig({
        REDIS_URL: testServices.redisUrl,
        CONTACT_EMAIL: "contact@pilotage.example.gouv.fr",
        AUDIT_IDENTITY_RETENTION_DAYS: "180",
        VISIT_RETENTION_DAYS: "400",
      }),
    });
    measured = await openTestStack({
      config: testConfig({
        REDIS_URL: testServices.redisUrl,
        MATOMO_URL: `${MATOMO}/`,
        MATOMO_SITE_ID: "12",
      }),
    });
  });
  after(async () => {
    await plain.close();
    await measured.close();
  });

  it("ships content/mentions-legales.yaml with nothing invented: every fact missing, said so", async () => {
    const content = loadLegalContent();
    assert.deepEqual(missingLegalFacts(content), [
      "nom de l'éditeur",
      "adresse de l'éditeur",
      "directeur ou directrice de la publication",
      "nom de l'hébergeur",
      "adresse de l'hébergeur",
      "téléphone de l'hébergeur",
      "responsable de traitement des données personnelles",
      "contact du délégué à la protection des données",
      "base légale du traitement",
    ]);
    const res = await request(createApp(plain.deps)).get("/mentions-legales").expect(200);
    assert.match(res.text, /<h1>Mentions légales<\/h1>/);
    assert.match(res.text, /<h2 class="fr-alert__title">Informations à compléter<\/h2>/);
    assert.match(
      res.text,
      /<p id="directeur-publication"><span class="pilotage-a-completer">à compléter<\/span><\/p>/,
    );
  });

  it("shows the publisher's facts once given, and no warning", async () => {
    const res = await request(createApp({ ...plain.deps, legalContent: FILLED }))
      .get("/mentions-legales")
      .expect(200);
    assert.doesNotMatch(res.text, /à compléter/);
    assert.match(res.text, /<p id="directeur-publication">Camille Essai<\/p>/);
    assert.match(
      res.text,
      /Hébergeur d&#39;essai<br>\s*Adresse : 2 avenue du Test, 59000 Lille<br>\s*Téléphone : 01 02 03 04 05/,
    );
    assert.match(res.text, /Courriel : <a href="mailto:contact@pilotage.example.gouv.fr">/);
  });

  it("says what is kept, why and for how long, with the configured durations, and who to ask", async () => {
    const res = await request(createApp({ ...plain.deps, legalContent: FILLED }))
      .get("/donnees-personnelles")
      .expect(200);
    const section = (id: string) =>
      new RegExp(`<section class="fr-mb-3w" id="${id}"[\\s\\S]*?</section>`).exec(res.text)?.[0] ?? "";
    assert.match(section("conservation-session"), /après 30 minutes sans activité, ou au plus 12 heures\./);
    assert.match(section("conservation-audit"), /l'identité est pseudonymisée après 180 jours/);
    assert.match(section("conservation-visites"), /chaque visite est supprimée après 400 jours\./);
    assert.match(res.text, /Délégué à la protection des données : dpd@essai\.example\.gouv\.fr\./);
    assert.match(
      res.text,
      /<p id="matomo-absent">Le service ne fait aucune mesure d'audience par un outil tiers\.<\/p>/,
    );
    assert.match(res.text, /<a href="mailto:contact@pilotage.example.gouv.fr">/);
  });

  it("links both pages from every page's footer", async () => {
    const res = await request(createApp(plain.deps)).get("/").expect(200);
    assert.match(
      res.text,
      /<a class="fr-footer__bottom-link" href="\/mentions-legales" >Mentions légales<\/a>/,
    );
    assert.match(
      res.text,
      /<a class="fr-footer__bottom-link" href="\/donnees-personnelles" >Données personnelles<\/a>/,
    );
  });

  describe("audience measurement", () => {
    it("without MATOMO_URL: no banner, no consent script, no other origin in the CSP", async () => {
      const res = await request(createApp(plain.deps)).get("/notes").expect(200);
      assert.doesNotMatch(res.text, /fr-consent-banner|consent\.js|data-pilotage-consentement/);
      assert.doesNotMatch(res.headers["content-security-policy"] ?? "", /https?:\/\//);
    });

    it("with MATOMO_URL: its origin in script-src, connect-src and img-src only, and the banner hidden until asked", async () => {
      const res = await request(createApp(measured.deps)).get("/notes").expect(200);
      assert.equal(
        res.headers["content-security-policy"],
        `default-src 'self';script-src 'self' ${MATOMO};style-src 'self';img-src 'self' data: ${MATOMO};font-src 'self';connect-src 'self' ${MATOMO};frame-src 'none';frame-ancestors 'none';object-src 'none';base-uri 'self';form-action 'self'`,
      );
      assert.match(
        res.text,
        new RegExp(
          `<div class="fr-consent-banner" id="consentement" hidden\\s+data-matomo-url="${MATOMO}" data-matomo-site="12" data-route="/notes"`,
        ),
      );
      assert.match(res.text, /<script type="module" src="\/static\/app\/consent.js"><\/script>/);
      // No Matomo script in the page itself: consent.js adds it after « Accepter ».
      assert.doesNotMatch(res.text, /matomo\.js/);
      // The route, never the address: a note's key stays out of what Matomo would receive.
      const note = await request(createApp(measured.deps)).get("/notes/une-note-inconnue");
      assert.match(note.text, /data-route="\/notes\/:key"/);
      const dp = await request(createApp(measured.deps)).get("/donnees-personnelles").expect(200);
      assert.match(
        dp.text,
        new RegExp(
          `<p id="matomo-configure">\\s+Avec votre accord seulement, le service mesure son audience avec Matomo \\(${MATOMO}\\)`,
        ),
      );
    });
  });
});
