import assert from "node:assert/strict";
import {
  DEMO_EMPLOYER,
  DEMO_INSTITUTIONS,
  DEMO_ORGANISATIONS,
  MINISTRY_DEFAULT_SIRET,
} from "../../src/demo/accounts.js";
import {
  grantState,
  NO_MEMBERSHIPS,
  refusalMessage,
  resolvePlacements,
  type Grant,
  type Identity,
  type Memberships,
  type OrganisationMatch,
  type PlacementRules,
} from "../../src/perimeter/placement.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";

const NOW = new Date("2026-11-29T10:00:00Z");
const RULES: PlacementRules = {
  untrustedSirets: [MINISTRY_DEFAULT_SIRET],
  franceTravail: { idpIds: ["france-travail"], emailDomains: ["francetravail.fr"] },
  stateDomains: {
    dgefp: ["emploi.gouv.fr"],
    dreets: { "11": ["dreets-ile-de-france.gouv.fr"] },
    ddets: { "93": ["ddets-93.gouv.fr", "seine-saint-denis.gouv.fr"], "69": ["rhone.gouv.fr"] },
  },
};
const IDF = ["75", "77", "78", "91", "92", "93", "94", "95"];

function institution(
  key: keyof typeof DEMO_INSTITUTIONS,
): Extract<OrganisationMatch, { source: "institution" }> {
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
): Extract<OrganisationMatch, { source: "organisation" }> {
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

const EMPLOYER: OrganisationMatch = {
  source: "employeur",
  siren: DEMO_EMPLOYER.siren,
  nom: DEMO_EMPLOYER.nom,
  structures: DEMO_EMPLOYER.structures.map((s) => ({ id: s.id, departement: s.departement })),
};

const members = (of: Partial<Memberships>): Memberships => ({ ...NO_MEMBERSHIPS, ...of });

/** One placement decision; by default a person with a SIRET, no grant, no membership, on RULES. */
function place(
  input: {
    siret?: string | undefined;
    email?: string;
    idpId?: string;
    custom?: Record<string, unknown>;
    grants?: Grant[];
    matches?: OrganisationMatch[];
    memberships?: Partial<Memberships>;
    rules?: PlacementRules;
  } = {},
) {
  const identity: Identity = {
    sub: "sub-1",
    email: input.email ?? "agent@exemple.test",
    siret: "siret" in input ? input.siret : "12345678900012",
    idpId: input.idpId ?? "fia1v2",
    custom: input.custom ?? {},
  };
  return resolvePlacements({
    identity,
    grants: input.grants ?? [],
    matches: input.matches ?? [],
    memberships: members(input.memberships ?? {}),
    rules: input.rules ?? RULES,
    now: NOW,
  });
}

describe("placement", () => {
  describe("State services: the SIRET, confirmed by a domain of the service's territory or a membership", () => {
    it("places a DDETS agent on their département and its région, from a prefecture domain", () => {
      assert.deepEqual(
        place({ matches: [institution("ddets93")], email: "camille.martin@seine-saint-denis.gouv.fr" }),
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

    it("accepts the service's own domain and its sub-domains, in any case, and only them", () => {
      const refusal = (email: string) => place({ matches: [institution("ddets93")], email }).refusal;
      assert.equal(refusal("c.martin@ddets-93.gouv.fr"), null);
      assert.equal(refusal("C.Martin@DDETS-93.GOUV.FR"), null);
      assert.equal(refusal("c.martin@ddets.seine-saint-denis.gouv.fr"), null);
      assert.equal(
        refusal("c.martin@rhone.gouv.fr"),
        "email_domain_refused",
        "another département's prefecture",
      );
      assert.equal(refusal("c.martin@interieur.gouv.fr"), "email_domain_refused", "another State service");
      assert.equal(refusal("c.martin@gouv.fr"), "email_domain_refused");
      assert.equal(refusal("c.martin@notseine-saint-denis.gouv.fr"), "email_domain_refused");
      assert.equal(refusal("c.martin@seine-saint-denis.gouv.fr.evil.com"), "email_domain_refused");
      assert.equal(refusal("c.martin@gmail.com"), "email_domain_refused");
    });

    it("says which service the SIRET named when the domain does not confirm it", () => {
      const result = place({ matches: [institution("ddets93")], email: "x@rhone.gouv.fr" });
      assert.deepEqual(result, {
        placements: [],
        refusal: "email_domain_refused",
        organisation: "DDETS de la Seine-Saint-Denis",
      });
      assert.equal(
        refusalMessage(result.refusal!, "organisation" in result ? result.organisation : undefined),
        "Le SIRET transmis par ProConnect désigne « DDETS de la Seine-Saint-Denis », mais votre adresse électronique ne relève d'aucun domaine rattaché à ce service, et vous ne figurez pas parmi ses membres sur les emplois de l'inclusion.",
      );
    });

    it("confirms a State agent who is a member of the service in les emplois, whatever the domain", () => {
      assert.equal(
        place({ matches: [institution("ddets93")], email: "x@gmail.com", memberships: { institutions: [1] } })
          .placements[0]?.kind,
        "ddets",
      );
      assert.equal(
        place({ matches: [institution("ddets93")], email: "x@gmail.com", memberships: { institutions: [2] } })
          .refusal,
        "email_domain_refused",
        "a member of another service",
      );
    });

    it("places a DREETS agent on every département of the région, from the région's domain", () => {
      const result = place({ matches: [institution("dreetsIdf")], email: "a@dreets-ile-de-france.gouv.fr" });
      assert.deepEqual(result.placements[0]?.perimeter, { departements: IDF, region: "11" });
      assert.equal(result.placements[0]?.kind, "dreets");
      assert.equal(
        place({ matches: [institution("dreetsIdf")], email: "a@seine-saint-denis.gouv.fr" }).refusal,
        "email_domain_refused",
        "a DDETS domain of the région is not the DREETS's",
      );
    });

    it("gives the DGEFP the explicit list of all départements", () => {
      const result = place({ matches: [institution("dgefp")], email: "a@emploi.gouv.fr" });
      assert.deepEqual(result.placements[0]?.perimeter, { departements: ALL_DEPARTEMENT_CODES });
    });

    it("places no State agent of a territory the rules list no domain for (a member still is)", () => {
      const noDomains = { ...RULES, stateDomains: { dgefp: [], dreets: {}, ddets: {} } };
      assert.equal(
        place({ matches: [institution("dgefp")], email: "a@emploi.gouv.fr", rules: noDomains }).refusal,
        "email_domain_refused",
      );
      assert.equal(
        place({ matches: [institution("dgefp")], rules: noDomains, memberships: { institutions: [3] } })
          .placements[0]?.kind,
        "dgefp",
      );
    });
  });

  describe("employers, networks, prescribers, conseils départementaux: the SIRET, confirmed by membership", () => {
    it("gives an SIAE employer the structures of its SIREN the person is a member of", () => {
      assert.deepEqual(
        place({ matches: [EMPLOYER], memberships: { structures: [1001, 1002, 1003] } }).placements,
        [
          {
            kind: "employeur_siae",
            organisationRef: "employeur:812000001",
            organisationLabel: DEMO_EMPLOYER.nom,
            perimeter: { structures: [1001, 1002, 1003] },
            source: "siret",
          },
        ],
      );
      assert.deepEqual(
        place({ matches: [EMPLOYER], memberships: { structures: [1003, 1004] } }).placements[0]?.perimeter,
        { structures: [1003] },
        "one structure of the SIREN; 1004 belongs to another employer",
      );
    });

    it("refuses a non-member, however right the SIRET, and says whose member they are not", () => {
      assert.deepEqual(place({ matches: [EMPLOYER], email: "gerant@gmail.com" }), {
        placements: [],
        refusal: "not_a_member",
        organisation: DEMO_EMPLOYER.nom,
      });
      assert.equal(
        place({
          matches: [EMPLOYER],
          memberships: { structures: [1004], organisations: [1], institutions: [4] },
        }).refusal,
        "not_a_member",
        "members of other organisations",
      );
      assert.equal(
        refusalMessage("not_a_member", DEMO_EMPLOYER.nom),
        "Le SIRET transmis par ProConnect désigne « Les Ateliers Solidaires Démo », mais votre adresse électronique ne figure pas parmi ses membres sur les emplois de l'inclusion. Un administrateur de votre structure peut vous y inviter ; vous pouvez aussi demander un accès ci-dessous.",
      );
    });

    it("gives a réseau IAE member its member structures, and a non-member nothing", () => {
      assert.deepEqual(
        place({ matches: [institution("reseau")], memberships: { institutions: [4] } }).placements[0]
          ?.perimeter,
        {
          reseau: 4,
          structures: [1001, 1004, 1005, 1006],
        },
      );
      assert.equal(
        place({ matches: [institution("reseau")], email: "x@reseau.test" }).refusal,
        "not_a_member",
      );
    });

    it("refuses a réseau without members instead of an empty perimeter", () => {
      assert.deepEqual(
        place({ matches: [{ ...institution("reseau"), members: [] }], memberships: { institutions: [4] } }),
        { placements: [], refusal: "organisation_not_eligible" },
      );
    });

    it("places a conseil départemental member, but not a DEPT organisation flagged bRSA", () => {
      const cd = organisation({ id: 1, type: "DEPT", nom: DEMO_ORGANISATIONS.cd33.nom, departement: "33" });
      const placed = place({ matches: [cd], memberships: { organisations: [1] } });
      assert.equal(placed.placements[0]?.kind, "conseil_departemental");
      assert.deepEqual(placed.placements[0]?.perimeter, {
        departements: ["33"],
        region: "75",
        organisation: 1,
      });
      assert.deepEqual(place({ matches: [cd], email: "agent@gironde.fr" }), {
        placements: [],
        refusal: "not_a_member",
        organisation: DEMO_ORGANISATIONS.cd33.nom,
      });
      assert.deepEqual(place({ matches: [{ ...cd, brsa: true }], memberships: { organisations: [1] } }), {
        placements: [],
        refusal: "organisation_not_eligible",
      });
    });

    it("places a prescriber organisation's member on it, and refuses a non-authorised one", () => {
      const ml = organisation();
      const placed = place({ matches: [ml], memberships: { organisations: [7] } });
      assert.equal(placed.placements[0]?.kind, "prescripteur");
      assert.deepEqual(placed.placements[0]?.perimeter, {
        departements: ["33"],
        region: "75",
        organisation: 7,
      });
      assert.equal(place({ matches: [ml] }).refusal, "not_a_member");
      assert.equal(
        place({ matches: [{ ...ml, habilitee: false }], memberships: { organisations: [7] } }).refusal,
        "organisation_not_eligible",
      );
    });
  });

  describe("France Travail by SAFIR level", () => {
    const ft = (niveauFt: string | null, departement: string, departementsCouverts: string[] = []) =>
      organisation({
        id: 2,
        type: "FT",
        codeSafir: "69181",
        niveauFt,
        departement,
        departementsCouverts,
        matchedBy: "safir",
      });
    const agent = {
      email: "s.richard@francetravail.fr",
      idpId: "france-travail",
      custom: { structureTravail: "69181" },
    };
    const perimeterOf = (match: OrganisationMatch) =>
      place({ ...agent, siret: MINISTRY_DEFAULT_SIRET, matches: [match] }).placements[0]?.perimeter;

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
    it("confirms the agent by France Travail's domain or by membership of the agency, and nothing else", () => {
      const match = ft("agence", "69");
      assert.equal(
        place({ ...agent, email: "s.richard@gmail.com", matches: [match] }).refusal,
        "email_domain_refused",
      );
      assert.equal(
        place({
          ...agent,
          email: "s.richard@gmail.com",
          matches: [match],
          memberships: { organisations: [2] },
        }).placements[0]?.kind,
        "france_travail",
      );
    });
    it("believes a SAFIR code only from France Travail's identity provider, and says so", () => {
      assert.deepEqual(
        place({ ...agent, idpId: "fia1v2", siret: "13000548100697", matches: [ft("DGFT", "75")] }),
        {
          placements: [],
          refusal: "untrusted_identity_provider",
        },
      );
    });
    it("never places a France Travail agent by SIRET alone (a direction's SIRET would widen the scope)", () => {
      const bySiret = { ...ft("DGFT", "75"), matchedBy: "siret" as const };
      assert.deepEqual(
        place({ email: agent.email, idpId: "fia1v2", siret: "13000548100697", matches: [bySiret] }),
        {
          placements: [],
          refusal: "untrusted_identity_provider",
        },
      );
      assert.equal(
        place({
          ...agent,
          custom: {},
          siret: "13000548100697",
          matches: [bySiret],
          memberships: { organisations: [2] },
        }).refusal,
        "unknown_organisation",
        "France Travail's own provider without a SAFIR code",
      );
    });
  });

  it("never trusts a ministry's default SIRET", () => {
    assert.deepEqual(
      place({
        siret: MINISTRY_DEFAULT_SIRET,
        matches: [institution("ddets93")],
        email: "a@ddets-93.gouv.fr",
      }),
      { placements: [], refusal: "untrusted_siret" },
    );
  });

  it("refuses an unknown organisation and a missing SIRET", () => {
    assert.deepEqual(place({ siret: "55500009900013" }), { placements: [], refusal: "unknown_organisation" });
    assert.deepEqual(place({ siret: undefined }), { placements: [], refusal: "no_siret" });
  });

  it("offers every organisation a person is confirmed for, and only those", () => {
    const both = [institution("ddets93"), institution("dreetsIdf")];
    assert.deepEqual(
      place({ matches: both, memberships: { institutions: [1, 2] } }).placements.map((p) => p.kind),
      ["ddets", "dreets"],
    );
    assert.deepEqual(
      place({ matches: both, email: "a@ddets-93.gouv.fr" }).placements.map((p) => p.kind),
      ["ddets"],
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
    const ddetsAgent = { matches: [institution("ddets93")], email: "a@ddets-93.gouv.fr" };

    it("a grant wins over the automatic rules", () => {
      assert.deepEqual(place({ ...ddetsAgent, grants: [grant()] }).placements, [
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
        assert.equal(place({ ...ddetsAgent, grants: [grant(overrides)] }).placements[0]?.kind, "ddets");
        assert.deepEqual(place({ siret: "55500009900013", grants: [grant(overrides)] }), {
          placements: [],
          refusal: "unknown_organisation",
        });
      });
    }

    it("a grant with an empty perimeter denies access", () => {
      assert.deepEqual(place({ siret: undefined, grants: [grant({ perimeter: { departements: [] } })] }), {
        placements: [],
        refusal: "empty_perimeter",
      });
    });
  });
});
