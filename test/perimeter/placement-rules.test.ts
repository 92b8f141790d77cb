import assert from "node:assert/strict";
import { loadPlacementRules, parsePlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { DEPARTEMENTS, REGIONS } from "../../src/territories/territories.js";

/** metabase-config/placement.yaml: the State services' domains, and what the loader refuses. */
describe("placement rules (metabase-config/placement.yaml)", () => {
  it("ties every département's DDETS and every région's DREETS to domains of their own, never gouv.fr", async () => {
    const rules = await loadPlacementRules(PROJECT_ROOT, { demo: false });
    assert.deepEqual(Object.keys(rules.stateDomains.ddets).sort(), DEPARTEMENTS.map((d) => d.code).sort());
    assert.deepEqual(Object.keys(rules.stateDomains.dreets).sort(), REGIONS.map((r) => r.code).sort());
    assert.deepEqual(rules.stateDomains.ddets["93"], ["ddets-93.gouv.fr", "seine-saint-denis.gouv.fr"]);
    assert.deepEqual(rules.stateDomains.ddets["2A"], ["ddets-2a.gouv.fr", "corse-du-sud.gouv.fr"]);
    assert.deepEqual(rules.stateDomains.ddets["971"], ["deets-971.gouv.fr", "guadeloupe.gouv.fr"]);
    assert.deepEqual(rules.stateDomains.dreets["11"], ["dreets-ile-de-france.gouv.fr"]);
    assert.deepEqual(rules.stateDomains.dgefp, ["emploi.gouv.fr"]);
    const all = [
      ...rules.stateDomains.dgefp,
      ...Object.values(rules.stateDomains.dreets).flat(),
      ...Object.values(rules.stateDomains.ddets).flat(),
    ];
    assert.deepEqual(
      all.filter((d) => !/^[a-z0-9-]+\.gouv\.fr$/.test(d)),
      [],
      "one label under gouv.fr each",
    );
    assert.equal(new Set(all).size, all.length, "no domain for two services");
    assert.deepEqual(rules.untrustedSirets, ["11001000100011"]);
    assert.deepEqual(rules.franceTravail, {
      idpIds: [],
      emailDomains: ["francetravail.fr", "pole-emploi.fr"],
    });
  });

  it("adds to production's rules, in the demo, only the demo's France Travail provider", async () => {
    const production = await loadPlacementRules(PROJECT_ROOT, { demo: false });
    assert.deepEqual(await loadPlacementRules(PROJECT_ROOT, { demo: true }), {
      ...production,
      franceTravail: { ...production.franceTravail, idpIds: ["france-travail"] },
    });
  });

  const refused = (yaml: string, message: string) =>
    assert.throws(
      () => parsePlacementRules(yaml),
      (error: Error) => {
        assert.equal(error.message, `metabase-config/placement.yaml : ${message}`);
        return true;
      },
    );

  it("refuses gouv.fr as such, and other domains every State agent or everyone shares", () => {
    refused(
      'state_domains:\n  ddets:\n    "93": [gouv.fr]\n',
      "state_domains.ddets.93.0 est partagé par trop de services : nommez le domaine du service et de son territoire",
    );
    refused(
      "state_domains:\n  dgefp: [fr]\n",
      "state_domains.dgefp.0 n'est pas un nom de domaine (« prefecture.gouv.fr »); state_domains.dgefp.0 est partagé par trop de services : nommez le domaine du service et de son territoire",
    );
    refused(
      "france_travail:\n  email_domains: [com]\n",
      "france_travail.email_domains.0 n'est pas un nom de domaine (« prefecture.gouv.fr »); france_travail.email_domains.0 est partagé par trop de services : nommez le domaine du service et de son territoire",
    );
  });

  it("refuses one domain for two services, a territory that does not exist, and a key it does not know", () => {
    refused(
      'state_domains:\n  ddets:\n    "93": [seine-saint-denis.gouv.fr]\n    "94": [seine-saint-denis.gouv.fr]\n',
      "state_domains.ddets.94 seine-saint-denis.gouv.fr est déjà rattaché à state_domains.ddets.93",
    );
    refused(
      'state_domains:\n  ddets:\n    "99": [ddets-99.gouv.fr]\n',
      "state_domains.ddets.99 département inconnu",
    );
    refused(
      'state_domains:\n  dreets:\n    "99": [dreets-x.gouv.fr]\n',
      "state_domains.dreets.99 région inconnue",
    );
    assert.throws(() => parsePlacementRules("email_domains:\n  ddets: [gouv.fr]\n"), /email_domains/);
  });
});
