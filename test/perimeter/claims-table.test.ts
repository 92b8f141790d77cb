import assert from "node:assert/strict";
import type { DemoAccount } from "../../src/demo/accounts.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import {
  IDF_DEPARTEMENTS,
  profileOfMe,
  type DocumentedProfile,
  type MeAnswer,
} from "../support/demo-profiles.js";
import { driveLogin } from "../support/login.js";

/**
 * The claims table of issue 15: what ProConnect says about a person (e-mail, SIRET, identity provider,
 * authentication level) → the profile they get, or the request-access page and the reason it gives,
 * through the whole login (the real demo provider, with test-only accounts carrying these claims) on
 * the **production** rules of metabase-config/placement.yaml. A SIRET alone never places anyone: the
 * e-mail must be among les emplois' members of the organisation (the seeded warehouse's annuaire.membres)
 * or, for State services, on a domain tied to the service and its territory.
 *
 * The expected profiles and French reasons are written out by hand: the oracle, not the code under test.
 */

const SIRET = {
  ddets93: "13001009300016",
  dreetsIdf: "13002001100016",
  dgefp: "13003000000017",
  reseau: "78100000400015",
  cd33: "22330003300014",
  ft69: "13000548100697",
  structure1001: "81200000100014",
  structure1002: "81200000100022",
  structure1003: "81200000100030",
  ministryDefault: "11001000100011",
  staff: "13009999900018",
  unknown: "55500009900013",
};

type Expected = { profile: DocumentedProfile } | { refused: string } | { loginRefused: RegExp };

interface ClaimsRow {
  case: string;
  email: string;
  siret: string;
  idpId: string;
  acr: string;
  custom?: Record<string, string>;
  /** A fixed ProConnect `sub`; by default the demo's, derived from the e-mail. */
  sub?: string;
  expected: Expected;
}

const ddets93 = { kind: "ddets", perimeter: { departements: ["93"], region: "11" } } as const;
const notAMember = (organisation: string) =>
  `Le SIRET transmis par ProConnect désigne « ${organisation} », mais votre adresse électronique ne figure pas parmi ses membres sur les emplois de l'inclusion. Un administrateur de votre structure peut vous y inviter ; vous pouvez aussi demander un accès ci-dessous.`;
const domainRefused = (organisation: string) =>
  `Le SIRET transmis par ProConnect désigne « ${organisation} », mais votre adresse électronique ne relève d'aucun domaine rattaché à ce service, et vous ne figurez pas parmi ses membres sur les emplois de l'inclusion.`;

const TABLE: ClaimsRow[] = [
  {
    case: "a DDETS agent on the prefecture's domain",
    email: "camille.martin@seine-saint-denis.gouv.fr",
    siret: SIRET.ddets93,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { profile: ddets93 },
  },
  {
    case: "a DDETS agent on the service's own domain, another provider, a stronger level",
    email: "c.durand@ddets-93.gouv.fr",
    siret: SIRET.ddets93,
    idpId: "agentconnect-rie",
    acr: "eidas2",
    expected: { profile: ddets93 },
  },
  {
    case: "a State agent of another service (the Rhône's prefecture) with the DDETS 93's SIRET",
    email: "agent@rhone.gouv.fr",
    siret: SIRET.ddets93,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { refused: domainRefused("DDETS de la Seine-Saint-Denis") },
  },
  {
    case: "a State agent of another ministry with the DDETS 93's SIRET",
    email: "agent@interieur.gouv.fr",
    siret: SIRET.ddets93,
    idpId: "fia1v2",
    acr: "eidas1-mfa",
    expected: { refused: domainRefused("DDETS de la Seine-Saint-Denis") },
  },
  {
    case: "a gmail address with the DDETS 93's SIRET",
    email: "ddets93.agent@gmail.com",
    siret: SIRET.ddets93,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { refused: domainRefused("DDETS de la Seine-Saint-Denis") },
  },
  {
    case: "a DDETS agent below the minimum authentication level",
    email: "faible.niveau@seine-saint-denis.gouv.fr",
    siret: SIRET.ddets93,
    idpId: "fia1v2",
    acr: "eidas0",
    expected: {
      loginRefused: /Niveau d&#39;authentification insuffisant|Niveau d'authentification insuffisant/,
    },
  },
  {
    case: "a DREETS agent on the région's domain",
    email: "d.bernard@dreets-ile-de-france.gouv.fr",
    siret: SIRET.dreetsIdf,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { profile: { kind: "dreets", perimeter: { departements: IDF_DEPARTEMENTS, region: "11" } } },
  },
  {
    case: "a DGEFP agent on the DGEFP's domain",
    email: "c.petit@emploi.gouv.fr",
    siret: SIRET.dgefp,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { profile: { kind: "dgefp", perimeter: { departements: ALL_DEPARTEMENT_CODES } } },
  },
  {
    case: "an employer member of its three structures, with the SIRET of the second",
    email: "employeur.siae@demo.pilotage.test",
    siret: SIRET.structure1002,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { profile: { kind: "employeur_siae", perimeter: { structures: [1001, 1002, 1003] } } },
  },
  {
    case: "a member of one structure only, with the SIRET of another of the same SIREN",
    email: "chef.chantier@ateliers-solidaires.test",
    siret: SIRET.structure1003,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { profile: { kind: "employeur_siae", perimeter: { structures: [1001] } } },
  },
  {
    case: "a non-member with an employer's SIRET",
    email: "gerant.ateliers@gmail.com",
    siret: SIRET.structure1001,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { refused: notAMember("Les Ateliers Solidaires — chantier de Saint-Denis") },
  },
  {
    case: "a member of another employer (another SIREN) with this employer's SIRET",
    email: "direction@phocee-insertion.test",
    siret: SIRET.structure1001,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { refused: notAMember("Les Ateliers Solidaires — chantier de Saint-Denis") },
  },
  {
    case: "a network's member",
    email: "direction.reseau@demo.pilotage.test",
    siret: SIRET.reseau,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: {
      profile: { kind: "reseau_iae", perimeter: { reseau: 4, structures: [1001, 1004, 1005, 1006] } },
    },
  },
  {
    case: "a non-member with the network's SIRET",
    email: "contact@reseau-inclusion.test",
    siret: SIRET.reseau,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { refused: notAMember("Réseau Inclusion Démo (fédération d'entreprises d'insertion)") },
  },
  {
    case: "a conseil départemental's member",
    email: "agent.cd33@demo.pilotage.test",
    siret: SIRET.cd33,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: {
      profile: {
        kind: "conseil_departemental",
        perimeter: { departements: ["33"], region: "75", organisation: 1 },
      },
    },
  },
  {
    case: "a non-member on the département's own domain with the CD's SIRET",
    email: "agent@gironde.fr",
    siret: SIRET.cd33,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { refused: notAMember("Conseil départemental de la Gironde") },
  },
  {
    case: "a France Travail agent, agency code and all, from another identity provider",
    email: "s.richard@francetravail.fr",
    siret: SIRET.ft69,
    idpId: "fia1v2",
    acr: "eidas1",
    custom: { structureTravail: "69181" },
    expected: {
      refused:
        "Votre code d'agence France Travail n'est pris en compte que si vous vous connectez avec votre compte France Travail, pas avec un autre fournisseur d'identité.",
    },
  },
  {
    case: "a prefecture agent with the ministry's default SIRET",
    email: "agent.defaut@seine-saint-denis.gouv.fr",
    siret: SIRET.ministryDefault,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: {
      refused:
        "Le SIRET transmis par ProConnect est celui, par défaut, de votre ministère : il ne permet pas de savoir dans quel service vous travaillez.",
    },
  },
  {
    case: "the staff address in capitals from another provider (another ProConnect account)",
    email: "ADMIN@demo.pilotage.test",
    sub: "7d0c1a5e-0000-4000-8000-claims-admin",
    siret: SIRET.staff,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { refused: "Votre organisation ne figure pas parmi celles que nous connaissons." },
  },
  {
    case: "the staff's very ProConnect account seen through another identity provider",
    email: "Admin@demo.pilotage.test",
    siret: SIRET.staff,
    idpId: "fia1v2",
    acr: "eidas1",
    expected: { refused: "Votre organisation ne figure pas parmi celles que nous connaissons." },
  },
  {
    case: "an organisation nobody knows",
    email: "benevole@association-inconnue.test",
    siret: SIRET.unknown,
    idpId: "proconnect-identite",
    acr: "eidas1",
    expected: { refused: "Votre organisation ne figure pas parmi celles que nous connaissons." },
  },
];

function accountOf(row: ClaimsRow): DemoAccount {
  return {
    email: row.email,
    givenName: "Test",
    usualName: row.case.slice(0, 20),
    uid: `claims-${row.email}`,
    siret: row.siret,
    organizationLabel: "Organisation transmise par ProConnect",
    idpId: row.idpId,
    roles: [],
    custom: row.custom ?? {},
    expected: { profile: "", perimeter: "" },
    ...(row.sub ? { sub: row.sub } : {}),
  };
}

/** The French page's text as the browser shows it. */
const shown = (html: string) =>
  html.replaceAll("&#39;", "'").replaceAll("&amp;", "&").replaceAll("&quot;", '"');

describe("claims table on the production placement rules, through the whole login (issue 15)", function () {
  this.timeout(120_000);
  let stack: LoginStack;
  let metrics: Metrics;

  before(async () => {
    metrics = createMetrics({ defaultMetrics: false });
    stack = await startLoginStack({
      provider: { accounts: TABLE.map(accountOf), honourEssentialAcr: false },
      placementRules: await loadPlacementRules(PROJECT_ROOT, { demo: false }),
      metrics,
    });
  });
  after(async () => {
    await stack?.close();
  });

  for (const row of TABLE) {
    const expected = row.expected;
    const outcome =
      "profile" in expected
        ? `${expected.profile.kind} ${JSON.stringify(expected.profile.perimeter).slice(0, 60)}`
        : "refused" in expected
          ? "the request-access page and its reason"
          : "a refused login";
    it(`${row.case}: ${row.email}, ${row.siret}, ${row.idpId}, ${row.acr} → ${outcome}`, async () => {
      const { browser, page } = await driveLogin(stack.baseUrl, row.email, { acr: row.acr });
      if ("loginRefused" in expected) {
        assert.equal(page.status, 403);
        assert.match(page.text, expected.loginRefused);
        assert.equal((await browser.get(`${stack.baseUrl}/api/me`)).status, 401, "no session");
        return;
      }
      const me = (await (await browser.get(`${stack.baseUrl}/api/me`)).json()) as MeAnswer;
      if ("profile" in expected) {
        assert.deepEqual(profileOfMe(me), expected.profile);
        return;
      }
      assert.equal(me.profile, null, "never a default perimeter");
      const landing = await browser.follow(`${stack.baseUrl}/`);
      assert.equal(new URL(landing.url).pathname, "/demande-acces");
      const callout =
        /<h2 class="fr-callout__title">Nous n'avons pas pu déterminer votre périmètre<\/h2>\s*<p class="fr-callout__text">\s*([^\n]*)/.exec(
          landing.text,
        )?.[1];
      assert.equal(shown(callout ?? "").trim(), expected.refused);
      assert.equal((await browser.get(`${stack.baseUrl}/api/questions`)).status, 403);
    });
  }

  it("counts each login's placement in the metrics, by profile kind or reason", async () => {
    const counted = Object.fromEntries(
      (await metrics.placements.get()).values.map((v) => [String(v.labels.outcome), v.value]),
    );
    // One login per row that reached the gateway; the refused login (acr) placed nobody.
    assert.deepEqual(counted, {
      ddets: 2,
      dreets: 1,
      dgefp: 1,
      employeur_siae: 2,
      reseau_iae: 1,
      conseil_departemental: 1,
      email_domain_refused: 3,
      not_a_member: 4,
      untrusted_identity_provider: 1,
      untrusted_siret: 1,
      unknown_organisation: 3,
    });
  });
});
