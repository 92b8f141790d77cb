import assert from "node:assert/strict";
import {
  DEMO_EMPLOYER,
  DEMO_INSTITUTIONS,
  DEMO_ORGANISATIONS,
  MINISTRY_DEFAULT_SIRET,
} from "../../src/demo/accounts.js";
import {
  grantState,
  resolvePlacements,
  type Grant,
  type OrganisationMatch,
  type PlacementRules,
} from "../../src/perimeter/placement.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";

const NOW = new Date("2026-11-29T10:00:00Z");
const RULES: PlacementRules = {
  emailDomains: {
    ddets: ["demo.pilotage.test"],
    dreets: ["demo.pilotage.test"],
    dgefp: ["demo.pilotage.test"],
    france_travail: ["demo.pilotage.test"],
  },
  untrustedSirets: [MINISTRY_DEFAULT_SIRET],
  franceTravailIdpIds: ["france-travail"],
};
const IDF = ["75", "77", "78", "91", "92", "93", "94", "95"];

function institution(key: keyof typeof DEMO_INSTITUTIONS): OrganisationMatch {
  const i = DEMO_INSTITUTIONS[key];
  return {
    source: "institution",
    id: i.id,
    type: i.type,
    nom: i.nom,
    departement: "departement" in i ? i.departement : null,
    codeRegion: "codeRegion" in i ? i.codeRegion : null,
    members: "members" in i ? [...i.members] : [],
  };
}

function organisation(
  overrides: Partial<Extract<OrganisationMatch, { source: "organisation" }>> = {},
): OrganisationMatch {
  return {
    source: "organisation",
    id: 7,
    type: "ML",
    nom: "Mission locale de Bordeaux",
    departement: "33",
    habilitee: true,
    brsa: false,
    codeSafir: null,
    niveauFt: null,
    departementsCouverts: [],
    matchedBy: "siret",
    ...overrides,
  };
}

const identity = (siret?: string, email = "agent@demo.pilotage.test", idpId = "france-travail") => ({
  sub: "sub-1",
  email,
  siret,
  idpId,
});

describe("placement", () => {
  it("places a DDETS agent on their département and its région", () => {
    assert.deepEqual(
      resolvePlacements({
        identity: identity(DEMO_INSTITUTIONS.ddets93.siret),
        grants: [],
        matches: [institution("ddets93")],
        rules: RULES,
        now: NOW,
      }),
      {
        refusal: null,
        placements: [
          {
            kind: "ddets",
            organisationRef: "institution:1",
            organisationLabel: "DDETS de la Seine-Saint-Denis",
            perimeter: { departements: ["93"], region: "11" },
            source: "siret",
          },
        ],
      },
    );
  });

  it("places a DREETS agent on every département of the région", () => {
    const result = resolvePlacements({
      identity: identity(DEMO_INSTITUTIONS.dreetsIdf.siret),
      grants: [],
      matches: [institution("dreetsIdf")],
      rules: RULES,
      now: NOW,
    });
    assert.deepEqual(result.placements[0]?.perimeter, { departements: IDF, region: "11" });
    assert.equal(result.placements[0]?.kind, "dreets");
  });

  it("gives the DGEFP the explicit list of all départements", () => {
    const result = resolvePlacements({
      identity: identity(DEMO_INSTITUTIONS.dgefp.siret),
      grants: [],
      matches: [institution("dgefp")],
      rules: RULES,
      now: NOW,
    });
    assert.deepEqual(result.placements[0]?.perimeter, { departements: ALL_DEPARTEMENT_CODES });
  });

  it("gives a réseau IAE its member structures", () => {
    const result = resolvePlacements({
      identity: identity(DEMO_INSTITUTIONS.reseau.siret),
      grants: [],
      matches: [institution("reseau")],
      rules: RULES,
      now: NOW,
    });
    assert.deepEqual(result.placements[0]?.perimeter, { reseau: 4, structures: [1001, 1004, 1005, 1006] });
  });

  it("refuses a réseau without members instead of an empty perimeter", () => {
    const empty = { ...institution("reseau"), members: [] } as OrganisationMatch;
    assert.deepEqual(
      resolvePlacements({
        identity: identity("78100000400015"),
        grants: [],
        matches: [empty],
        rules: RULES,
        now: NOW,
      }),
      { placements: [], refusal: "organisation_not_eligible" },
    );
  });

  it("gives an SIAE employer all its structures", () => {
    const result = resolvePlacements({
      identity: identity(DEMO_EMPLOYER.structures[0].siret),
      grants: [],
      matches: [
        {
          source: "employeur",
          siren: DEMO_EMPLOYER.siren,
          nom: DEMO_EMPLOYER.nom,
          structures: DEMO_EMPLOYER.structures.map((s) => ({ id: s.id, departement: s.departement })),
        },
      ],
      rules: RULES,
      now: NOW,
    });
    assert.deepEqual(result.placements[0], {
      kind: "employeur_siae",
      organisationRef: "employeur:812000001",
      organisationLabel: DEMO_EMPLOYER.nom,
      perimeter: { structures: [1001, 1002, 1003] },
      source: "siret",
    });
  });

  it("places a conseil départemental, but not a DEPT organisation flagged bRSA", () => {
    const cd = organisation({ id: 1, type: "DEPT", nom: DEMO_ORGANISATIONS.cd33.nom, departement: "33" });
    const placed = resolvePlacements({
      identity: identity("x"),
      grants: [],
      matches: [cd],
      rules: RULES,
      now: NOW,
    });
    assert.equal(placed.placements[0]?.kind, "conseil_departemental");
    assert.deepEqual(placed.placements[0]?.perimeter, {
      departements: ["33"],
      region: "75",
      organisation: 1,
    });
    const brsa = { ...cd, brsa: true } as OrganisationMatch;
    assert.deepEqual(
      resolvePlacements({ identity: identity("x"), grants: [], matches: [brsa], rules: RULES, now: NOW }),
      { placements: [], refusal: "organisation_not_eligible" },
    );
  });

  it("places a prescriber organisation on itself, and refuses a non-authorised one", () => {
    const ml = organisation();
    const placed = resolvePlacements({
      identity: identity("x"),
      grants: [],
      matches: [ml],
      rules: RULES,
      now: NOW,
    });
    assert.equal(placed.placements[0]?.kind, "prescripteur");
    assert.deepEqual(placed.placements[0]?.perimeter, {
      departements: ["33"],
      region: "75",
      organisation: 7,
    });
    assert.equal(
      resolvePlacements({
        identity: identity("x"),
        grants: [],
        matches: [{ ...ml, habilitee: false } as OrganisationMatch],
        rules: RULES,
        now: NOW,
      }).refusal,
      "organisation_not_eligible",
    );
  });

  describe("France Travail by SAFIR level", () => {
    const ft = (niveauFt: string | null, departement: string, departementsCouverts: string[] = []) =>
      organisation({
        id: 2,
        type: "FT",
        codeSafir: "x",
        niveauFt,
        departement,
        departementsCouverts,
        matchedBy: "safir",
      });
    const perimeterOf = (match: OrganisationMatch) =>
      resolvePlacements({
        identity: identity(MINISTRY_DEFAULT_SIRET),
        grants: [],
        matches: [match],
        rules: RULES,
        now: NOW,
      }).placements[0]?.perimeter;

    it("an agency sees its département", () => {
      assert.deepEqual(perimeterOf(ft("agence", "69")), {
        departements: ["69"],
        region: "84",
        organisation: 2,
      });
    });
    it("a territorial direction sees the départements it covers", () => {
      assert.deepEqual(perimeterOf(ft("DTFT", "72", ["72", "53"])), {
        departements: ["72", "53"],
        organisation: 2,
      });
    });
    it("a regional direction sees its région's départements", () => {
      assert.deepEqual(perimeterOf(ft("DRFT", "75")), { departements: IDF, region: "11", organisation: 2 });
    });
    it("the national direction sees every département", () => {
      assert.deepEqual(perimeterOf(ft("DGFT", "75")), {
        departements: ALL_DEPARTEMENT_CODES,
        organisation: 2,
      });
    });
    it("trusts the SAFIR code even when the SIRET is a default one", () => {
      assert.ok(perimeterOf(ft("agence", "69")));
    });
    it("believes a SAFIR code only from France Travail's identity provider", () => {
      assert.deepEqual(
        resolvePlacements({
          identity: identity(MINISTRY_DEFAULT_SIRET, "agent@demo.pilotage.test", "some-other-idp"),
          grants: [],
          matches: [ft("DGFT", "75")],
          rules: RULES,
          now: NOW,
        }),
        { placements: [], refusal: "untrusted_siret" },
      );
    });
    it("never places a France Travail agent by SIRET alone (a direction's SIRET would widen the scope)", () => {
      const bySiret = { ...ft("DGFT", "75"), matchedBy: "siret" } as OrganisationMatch;
      assert.deepEqual(
        resolvePlacements({
          identity: identity("13000548100697"),
          grants: [],
          matches: [bySiret],
          rules: RULES,
          now: NOW,
        }),
        { placements: [], refusal: "unknown_organisation" },
      );
    });
  });

  it("never trusts a ministry's default SIRET", () => {
    assert.deepEqual(
      resolvePlacements({
        identity: identity(MINISTRY_DEFAULT_SIRET),
        grants: [],
        matches: [institution("ddets93")],
        rules: RULES,
        now: NOW,
      }),
      { placements: [], refusal: "untrusted_siret" },
    );
  });

  it("refuses an unknown organisation and a missing SIRET", () => {
    assert.deepEqual(
      resolvePlacements({
        identity: identity("55500009900013"),
        grants: [],
        matches: [],
        rules: RULES,
        now: NOW,
      }),
      { placements: [], refusal: "unknown_organisation" },
    );
    assert.deepEqual(
      resolvePlacements({ identity: identity(undefined), grants: [], matches: [], rules: RULES, now: NOW }),
      { placements: [], refusal: "no_siret" },
    );
  });

  it("refuses a SIRET match whose e-mail domain the kind's rule does not accept", () => {
    const rules = { ...RULES, emailDomains: { ddets: ["travail.gouv.fr"] } };
    const refused = resolvePlacements({
      identity: identity(DEMO_INSTITUTIONS.ddets93.siret, "someone@gmail.com"),
      grants: [],
      matches: [institution("ddets93")],
      rules,
      now: NOW,
    });
    assert.deepEqual(refused, { placements: [], refusal: "email_domain_refused" });
    const accepted = resolvePlacements({
      identity: identity(DEMO_INSTITUTIONS.ddets93.siret, "Someone@Travail.gouv.fr"),
      grants: [],
      matches: [institution("ddets93")],
      rules,
      now: NOW,
    });
    assert.equal(accepted.placements[0]?.kind, "ddets");
  });

  it("places no State agent when the e-mail rule of their kind is missing", () => {
    assert.deepEqual(
      resolvePlacements({
        identity: identity(DEMO_INSTITUTIONS.dgefp.siret),
        grants: [],
        matches: [institution("dgefp")],
        rules: { ...RULES, emailDomains: {} },
        now: NOW,
      }),
      { placements: [], refusal: "email_domain_refused" },
    );
  });

  it("accepts sub-domains of a configured domain, and only them", () => {
    const rules = { ...RULES, emailDomains: { ddets: ["gouv.fr"] } };
    const place = (email: string) =>
      resolvePlacements({
        identity: identity(DEMO_INSTITUTIONS.ddets93.siret, email),
        grants: [],
        matches: [institution("ddets93")],
        rules,
        now: NOW,
      }).refusal;
    assert.equal(place("a.b@seine-saint-denis.gouv.fr"), null);
    assert.equal(place("a.b@gouv.fr"), null);
    assert.equal(place("a.b@notgouv.fr"), "email_domain_refused");
    assert.equal(place("a.b@gouv.fr.evil.com"), "email_domain_refused");
  });

  it("offers every organisation a person may act for", () => {
    const result = resolvePlacements({
      identity: identity(DEMO_INSTITUTIONS.ddets93.siret),
      grants: [],
      matches: [institution("ddets93"), institution("dreetsIdf")],
      rules: RULES,
      now: NOW,
    });
    assert.deepEqual(
      result.placements.map((p) => p.kind),
      ["ddets", "dreets"],
    );
  });

  describe("grants", () => {
    const grant = (overrides: Partial<Grant> = {}): Grant => ({
      id: 5,
      kind: "staff",
      organisationLabel: "GIP Plateforme de l'inclusion",
      perimeter: { departements: ALL_DEPARTEMENT_CODES },
      validFrom: new Date("2026-01-01T00:00:00Z"),
      validUntil: null,
      revokedAt: null,
      ...overrides,
    });

    it("a grant wins over the automatic rules", () => {
      const result = resolvePlacements({
        identity: identity(DEMO_INSTITUTIONS.ddets93.siret),
        grants: [grant()],
        matches: [institution("ddets93")],
        rules: RULES,
        now: NOW,
      });
      assert.deepEqual(result.placements, [
        {
          kind: "staff",
          organisationRef: "grant:5",
          organisationLabel: "GIP Plateforme de l'inclusion",
          perimeter: { departements: ALL_DEPARTEMENT_CODES },
          source: "grant",
        },
      ]);
    });

    it("names each grant's state on the staff pages by the rule placement applies", () => {
      assert.equal(grantState(grant(), NOW), "actif");
      assert.equal(grantState(grant({ validUntil: new Date("2026-11-29T09:59:59Z") }), NOW), "expiré");
      assert.equal(grantState(grant({ validFrom: new Date("2026-12-01T00:00:00Z") }), NOW), "à venir");
      assert.equal(grantState(grant({ revokedAt: new Date("2026-11-01T00:00:00Z") }), NOW), "révoqué");
    });

    for (const [name, overrides] of [
      ["expired", { validUntil: new Date("2026-11-29T09:59:59Z") }],
      ["revoked", { revokedAt: new Date("2026-11-01T00:00:00Z") }],
      ["not yet valid", { validFrom: new Date("2026-12-01T00:00:00Z") }],
    ] as const) {
      it(`an ${name} grant gives nothing, and the automatic rules apply again`, () => {
        const result = resolvePlacements({
          identity: identity(DEMO_INSTITUTIONS.ddets93.siret),
          grants: [grant(overrides)],
          matches: [institution("ddets93")],
          rules: RULES,
          now: NOW,
        });
        assert.equal(result.placements[0]?.kind, "ddets");
        assert.deepEqual(
          resolvePlacements({
            identity: identity("55500009900013"),
            grants: [grant(overrides)],
            matches: [],
            rules: RULES,
            now: NOW,
          }),
          { placements: [], refusal: "unknown_organisation" },
        );
      });
    }

    it("a grant with an empty perimeter denies access", () => {
      assert.deepEqual(
        resolvePlacements({
          identity: identity(undefined),
          grants: [grant({ perimeter: { departements: [] } })],
          matches: [],
          rules: RULES,
          now: NOW,
        }),
        { placements: [], refusal: "empty_perimeter" },
      );
    });
  });
});
