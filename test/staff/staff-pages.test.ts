import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { DEMO_ACCOUNTS, type DemoAccount } from "../../src/demo/accounts.js";
import { ACCESS_REQUESTS_PER_HOUR } from "../../src/perimeter/routes.js";
import { createGrant, grantsFor, listGrants, revokeGrant } from "../../src/perimeter/grants.js";
import { listAccessRequests } from "../../src/perimeter/access-requests.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { profileOfMe, type MeAnswer } from "../support/demo-profiles.js";
import { loginAs, type Browser } from "../support/login.js";
import { ownUnknownAccount } from "../support/unknown-account.js";

/**
 * The staff side of issue 15 §3: record numbers and dates read strictly, access requests (one pending per
 * person, a rate limit, a placed person told they have access, the claims each came with), re-binding a
 * grant from a request, and the preview showroom built from the reference data.
 */

const ADMIN = "admin@demo.pilotage.test";
const BAD_IDS = ["abc", "1e0", "0x1", "12345678901234567890", "-1", "1.0", " 1", "01"];
const REQUESTER = ownUnknownAccount("staff-pages");
const LIMITED = ownUnknownAccount("staff-pages-limit");
const MOVED: DemoAccount = { ...ownUnknownAccount("staff-pages-moved"), idpId: "fia1v2" };

function io(env: Record<string, string>): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    env,
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("staff pages: strict input, access requests, re-binding, preview showroom (issue 15)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let admin: Browser;
  const url = (path: string) => `${stack.baseUrl}${path}`;
  const me = async (browser: Browser) => (await (await browser.get(url("/api/me"))).json()) as MeAnswer;

  before(async () => {
    stack = await startLoginStack({
      provider: {
        accounts: [
          ...DEMO_ACCOUNTS,
          REQUESTER,
          LIMITED,
          MOVED,
          {
            ...MOVED,
            email: MOVED.email.toUpperCase(),
            sub: "staff-pages-moved-new-account",
            idpId: "agentconnect-rie",
          },
        ],
      },
    });
    admin = await loginAs(stack.baseUrl, ADMIN);
  });
  after(async () => {
    const db = stack?.testStack.deps.db;
    if (db) {
      for (const grant of await listGrants(db)) {
        if ([REQUESTER.email, MOVED.email].includes(grant.subjectEmail ?? ""))
          await revokeGrant(db, grant.id, "test");
      }
    }
    await stack?.close();
  });

  describe("record numbers in staff routes", () => {
    for (const bad of BAD_IDS) {
      it(`answers « ${bad} » with a 400 in French, and touches nothing (never an alias of n° 1)`, async () => {
        const db = stack.testStack.deps.db;
        const auditBefore = (await readAudit(db, { limit: 1 }))[0]?.id;
        const grantsBefore = await listGrants(db, { includeRevoked: true });
        const id = encodeURIComponent(bad);
        for (const [path, fields] of [
          [`/admin/acces/${id}/revoquer`, {}],
          [`/admin/acces/${id}/rattacher`, { sub: "x" }],
          [`/admin/demandes/${id}/refuser`, {}],
          [
            `/admin/demandes/${id}/accepter`,
            { kind: "ddets", organisation_label: "DDETS", departements: "93" },
          ],
          [`/admin/demandes/${id}/rattacher`, { acces: "1" }],
          ["/admin/demandes/1/rattacher", { acces: bad }],
        ] as const) {
          const page = await admin.submit(url(path), fields);
          assert.equal(page.status, 400, path);
          assert.match(page.text, /<h1>Requête invalide<\/h1>/, path);
          assert.match(
            page.text,
            /n&#39;est pas un numéro de (demande|accès) : seuls des chiffres sont acceptés\./,
            path,
          );
        }
        assert.deepEqual(await listGrants(db, { includeRevoked: true }), grantsBefore);
        assert.equal(
          (await readAudit(db, { limit: 1 }))[0]?.id,
          auditBefore,
          "nothing audited, nothing done",
        );
      });
    }

    it("reads them strictly in `pilotage grants` too", async () => {
      const env = { DATABASE_URL: stack.config.database.url!, LOG_LEVEL: "silent" };
      for (const bad of ["1e0", "0x1", "12345678901234567890"]) {
        const out = io(env);
        assert.equal(await runCli(["grants", "revoke", bad, "--by", ADMIN], out), 64, bad);
        assert.match(out.err, new RegExp(`« ${bad} » n'en est pas un`));
      }
    });
  });

  describe("dates", () => {
    it("refuses a day that does not exist and a day already past, on the grant form and in the CLI", async () => {
      for (const [day, message] of [
        ["2026-02-31", "Date de fin : « 2026-02-31 » n&#39;est pas une date AAAA-MM-JJ qui existe."],
        ["2030-13-01", "Date de fin : « 2030-13-01 » n&#39;est pas une date AAAA-MM-JJ qui existe."],
        ["2020-01-01", "Date de fin : La date de fin (2020-01-01) est déjà passée."],
      ] as const) {
        const page = await admin.submit(url("/admin/acces"), {
          email: "dates@exemple.test",
          kind: "ddets",
          organisation_label: "DDETS",
          departements: "93",
          valid_until: day,
        });
        assert.equal(page.status, 400, day);
        assert.match(
          page.text,
          new RegExp(`<a href="#g-valid_until">${message.replace(/[()]/g, "\\$&")}</a>`),
          day,
        );
      }
      assert.deepEqual(
        (await listGrants(stack.testStack.deps.db)).filter((g) => g.subjectEmail === "dates@exemple.test"),
        [],
      );
      const out = io({ DATABASE_URL: stack.config.database.url!, LOG_LEVEL: "silent" });
      const code = await runCli(
        [
          "grants",
          "add",
          "--email",
          "dates@exemple.test",
          "--kind",
          "ddets",
          "--organisation",
          "DDETS",
        ].concat(["--departements", "93", "--until", "2026-02-31", "--by", ADMIN]),
        out,
      );
      assert.equal(code, 64);
      assert.equal(
        out.err,
        "--until : « 2026-02-31 » n'est pas une date AAAA-MM-JJ qui existe.\nVoir : pilotage grants --help\n",
      );
    });
  });

  describe("access requests", () => {
    const request = {
      organisation: "Association inconnue, Saint-Denis",
      role: "Chargée de mission IAE",
      reason: "Suivre les candidatures reçues par les SIAE de Seine-Saint-Denis",
    };

    it("keeps one pending request per person, and shows staff the claims it came with", async () => {
      const person = await loginAs(stack.baseUrl, REQUESTER.email);
      assert.match((await person.submit(url("/demande-acces"), request)).text, /Votre demande a été envoyée/);
      const again = await person.submit(url("/demande-acces"), {
        ...request,
        reason: "Une seconde demande, la même",
      });
      assert.equal(again.status, 409);
      assert.match(
        again.text,
        /Vous avez déjà une demande d&#39;accès en cours d&#39;examen : l&#39;équipe Pilotage vous écrit dès qu&#39;elle est traitée\./,
      );
      const pending = (await listAccessRequests(stack.testStack.deps.db)).filter(
        (r) => r.email === REQUESTER.email,
      );
      assert.equal(pending.length, 1);

      const list = await admin.follow(url("/admin/demandes"));
      const claims = new RegExp(
        `<dl class="demande-revendications" id="revendications-${pending[0]!.id}">([\\s\\S]*?)</dl>`,
      ).exec(list.text)?.[1];
      assert.deepEqual(
        [...(claims ?? "").matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => [m[1], m[2]]),
        [
          ["SIRET", REQUESTER.siret],
          ["Domaine de l'adresse", "demo.pilotage.test"],
          ["Fournisseur d'identité", REQUESTER.idpId],
        ],
      );
    });

    it(`limits a person to ${ACCESS_REQUESTS_PER_HOUR} posts an hour`, async () => {
      const person = await loginAs(stack.baseUrl, LIMITED.email);
      const statuses: number[] = [];
      for (let i = 0; i <= ACCESS_REQUESTS_PER_HOUR; i++) {
        statuses.push(
          (await person.post(url("/demande-acces"), { organisation: "x", role: "y", reason: "z" })).status,
        );
      }
      assert.deepEqual(statuses, [...Array(ACCESS_REQUESTS_PER_HOUR).fill(400), 429]);
    });

    it("tells a placed person they already have access, and takes no request from them", async () => {
      const ddets = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
      const page = await ddets.follow(url("/demande-acces"));
      assert.equal(page.status, 200);
      assert.match(page.text, /<h1>Vous avez déjà accès<\/h1>/);
      assert.match(
        page.text,
        /Vous voyez les tableaux de bord au titre de « DDETS de la Seine-Saint-Denis » \(DDETS\) : aucune demande n'est nécessaire\./,
      );
      assert.doesNotMatch(page.text, /formulaire-demande-acces/);
      const posted = await ddets.submit(url("/demande-acces"), request);
      assert.equal(posted.status, 409);
      assert.match(
        posted.text,
        /Vous avez déjà accès aux tableaux de bord, au titre de « DDETS de la Seine-Saint-Denis »\./,
      );
      assert.deepEqual(
        (await listAccessRequests(stack.testStack.deps.db)).filter(
          (r) => r.email === "agent.ddets93@demo.pilotage.test",
        ),
        [],
      );
    });

    it("lets staff re-bind a person's grant to the new account a request comes from", async () => {
      const db = stack.testStack.deps.db;
      const grant = await createGrant(db, {
        subject: { email: MOVED.email },
        kind: "prescripteur",
        organisationLabel: "Association déménagée",
        perimeter: { departements: ["93"], region: "11" },
        grantedBy: "test",
      });
      assert.equal((await me(await loginAs(stack.baseUrl, MOVED.email))).profile?.kind, "prescripteur");
      const moved = await loginAs(stack.baseUrl, MOVED.email.toUpperCase());
      assert.equal((await me(moved)).profile, null, "another account: the bound grant is not its own");
      await moved.submit(url("/demande-acces"), request);

      const list = await admin.follow(url("/admin/demandes"));
      const id = new RegExp(
        `id="demande-(\\d+)">Demande n° \\d+ — [^<]*\\(${MOVED.email.replaceAll(".", "\\.")}\\)</h2>`,
      ).exec(list.text)?.[1];
      assert.ok(id, "the request is listed, its e-mail lower-cased");
      assert.match(list.text, new RegExp(`Rattacher l'accès n° ${grant.id} à ce compte`));
      const done = await admin.submit(url(`/admin/demandes/${id}/rattacher`), { acces: String(grant.id) });
      assert.match(done.text, /Demande acceptée : l&#39;accès existant est rattaché à ce compte\./);
      assert.equal((await moved.get(url("/api/me"))).status, 401, "the new account's session ended");
      const placed = await me(await loginAs(stack.baseUrl, MOVED.email.toUpperCase()));
      assert.deepEqual(profileOfMe(placed), {
        kind: "prescripteur",
        perimeter: { departements: ["93"], region: "11" },
      });
      assert.deepEqual(
        await grantsFor(db, {
          sub: stack.provider.subOf(MOVED.email),
          email: MOVED.email,
          idpId: MOVED.idpId,
        }),
        [],
        "the old account has lost it",
      );
    });
  });

  describe("preview showroom, from the reference data", () => {
    const preview = async (fields: Record<string, string>) => {
      const page = await admin.submit(url("/admin/apercu"), fields);
      const answer = await me(admin);
      await admin.submit(url("/admin/apercu/quitter"), {});
      return { page, answer };
    };

    it("previews a territory, an organisation, a network and an employer as the placement rules give them", async () => {
      const warehouse = stack.testStack.deps.warehouse;
      const dtft = (
        await warehouse.query<{ id: number }>(
          "SELECT id FROM entrepot.organisations WHERE code_safir = '72203'",
        )
      ).rows[0]!.id;
      const network = (
        await warehouse.query<{ id: number; nom: string; members: number[] }>(
          `SELECT i.id, i.nom, array_agg(DISTINCT a.id_structure ORDER BY a.id_structure) AS members
             FROM entrepot.institutions i JOIN entrepot.reseaux_adherents a ON a.id_institution = i.id
             JOIN entrepot.structures s ON s.id = a.id_structure AND s.active
            WHERE i.id = 123 GROUP BY i.id, i.nom`,
        )
      ).rows[0]!;
      const cases: Array<[Record<string, string>, string, unknown]> = [
        [
          { profil: "ddets", departement: "13" },
          "DDETS — 13 - Bouches-du-Rhône",
          { departements: ["13"], region: "93" },
        ],
        [
          { profil: "conseil_departemental", departement: "33" },
          "Conseil départemental — Conseil départemental de la Gironde",
          { departements: ["33"], region: "75", organisation: 1 },
        ],
        [
          { profil: "france_travail", safir: "72203" },
          "France Travail — France Travail — Direction territoriale de la Sarthe et de la Mayenne",
          { departements: ["72", "53"], organisation: dtft },
        ],
        [
          { profil: "reseau_iae", reseau: "123" },
          `Réseau IAE — ${network.nom}`,
          { reseau: 123, structures: network.members },
        ],
        [
          { profil: "employeur_siae", structure: "1002" },
          "Employeur SIAE — Les Ateliers Solidaires — entreprise d'insertion",
          { structures: [1001, 1002, 1003] },
        ],
      ];
      for (const [fields, label, perimeter] of cases) {
        const { page, answer } = await preview(fields);
        assert.match(page.text, /id="bandeau-apercu"/, label);
        assert.deepEqual(
          {
            label: (answer.profile as { organisation?: { label: string } } | null)?.organisation?.label,
            perimeter: profileOfMe(answer)?.perimeter,
          },
          { label, perimeter },
          JSON.stringify(fields),
        );
      }
    });

    it("answers a choice that names nothing real, or the wrong kind, with a 400 in French", async () => {
      for (const [fields, message] of [
        [{ profil: "ddets" }, "Choisissez un département."],
        [{ profil: "dreets", region: "99" }, "Région inconnue."],
        [
          { profil: "employeur_siae", structure: "999999" },
          "Aucune structure active n&#39;a le numéro 999999.",
        ],
        [
          { profil: "employeur_siae", structure: "1e3" },
          "« 1e3 » n&#39;est pas un numéro : indiquez le numéro d&#39;une structure de l&#39;employeur.",
        ],
        [
          { profil: "prescripteur", organisation: "2" },
          "L&#39;organisation n° 2 donne un profil France Travail, pas Prescripteur habilité.",
        ],
        [
          { profil: "france_travail", safir: "00000" },
          "Aucune unité France Travail n&#39;a le code SAFIR 00000.",
        ],
        [{ profil: "staff" }, "Choisissez un profil à prévisualiser."],
      ] as const) {
        const page = await admin.submit(url("/admin/apercu"), fields);
        assert.equal(page.status, 400, JSON.stringify(fields));
        assert.match(page.text, new RegExp(message.replace(/[()]/g, "\\$&")), JSON.stringify(fields));
      }
      assert.equal((await me(admin)).profile?.kind, "staff", "no preview started");
    });
  });
});
