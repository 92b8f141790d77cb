import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import {
  approveAccessRequest,
  approveByRebinding,
  createAccessRequest,
  listAccessRequests,
  pendingRequestOf,
  refuseAccessRequest,
  RequestAlreadyPendingError,
} from "../../src/perimeter/access-requests.js";
import {
  activeStaffGrant,
  bindGrants,
  createGrant,
  grantsFor,
  listGrants,
  rebindGrant,
  revokeGrant,
} from "../../src/perimeter/grants.js";
import { type Database } from "../../src/storage/database.js";
import { migratedDatabaseImplementations } from "../support/gateway-database.js";

const implementations = migratedDatabaseImplementations("grants");

for (const [name, open] of implementations) {
  describe(`grants and access requests on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
    });
    after(() => cleanup());

    it("creates a grant by e-mail, finds it by e-mail whatever the case, and audits it", async () => {
      const grant = await createGrant(db, {
        subject: { email: "Agent.X@Travail.gouv.fr" },
        kind: "ddets",
        organisationLabel: "DDETS du Nord",
        perimeter: { departements: ["59"], region: "32" },
        grantedBy: "admin@demo.pilotage.test",
      });
      assert.equal(grant.subjectEmail, "agent.x@travail.gouv.fr");
      assert.deepEqual(grant.perimeter, { departements: ["59"], region: "32" });
      const found = await grantsFor(db, { sub: "unknown-sub", email: "AGENT.X@travail.gouv.fr" });
      assert.deepEqual(
        found.map((g) => g.id),
        [grant.id],
      );
      const [audit] = await readAudit(db, { action: "grant.created" });
      assert.equal(audit?.resourceId, String(grant.id));
      assert.equal(audit?.actorEmail, "admin@demo.pilotage.test");
      assert.deepEqual(audit?.lockedValues, { perimeter: { departements: ["59"], region: "32" } });
    });

    it("refuses a grant without subject and a malformed perimeter, writing nothing", async () => {
      const before = (await listGrants(db, { includeRevoked: true })).length;
      await assert.rejects(
        createGrant(db, {
          subject: {},
          kind: "ddets",
          organisationLabel: "x",
          perimeter: { departements: ["59"] },
          grantedBy: "a",
        }),
        /adresse électronique ou un identifiant ProConnect/,
      );
      await assert.rejects(
        createGrant(db, {
          subject: { email: "a@b.fr" },
          kind: "ddets",
          organisationLabel: "x",
          perimeter: { departements: ["999"] },
          grantedBy: "a",
        }),
      );
      await assert.rejects(
        createGrant(db, {
          subject: { email: "a@b.fr" },
          kind: "dreets",
          organisationLabel: "x",
          perimeter: { departements: ["93"], region: "84" },
          grantedBy: "a",
        }),
        /départements hors de la région Auvergne-Rhône-Alpes : 93/,
      );
      assert.equal((await listGrants(db, { includeRevoked: true })).length, before);
    });

    it("revokes a grant once, audited", async () => {
      const grant = await createGrant(db, {
        subject: { sub: "sub-revoke" },
        kind: "staff",
        organisationLabel: "GIP",
        perimeter: { departements: ["75"] },
        grantedBy: "admin@demo.pilotage.test",
      });
      const revoked = await revokeGrant(db, grant.id, "admin@demo.pilotage.test");
      assert.ok(revoked.revokedAt instanceof Date);
      await assert.rejects(revokeGrant(db, grant.id, "admin@demo.pilotage.test"), /Aucun accès actif/);
      assert.ok(!(await listGrants(db)).some((g) => g.id === grant.id));
      const [audit] = await readAudit(db, { action: "grant.revoked" });
      assert.equal(audit?.resourceId, String(grant.id));
    });

    it("stores an access request, and approving it creates a grant for that person", async () => {
      const request = await createAccessRequest(
        db,
        { sub: "sub-inconnu", email: "inconnu@demo.pilotage.test", siret: "55500009900013" },
        {
          organisation: "Association inconnue",
          role: "Chargée de mission",
          reason: "Suivre les candidatures du 93",
        },
      );
      assert.equal(request.status, "pending");
      assert.equal((await pendingRequestOf(db, "sub-inconnu"))?.id, request.id);
      assert.ok((await listAccessRequests(db)).some((r) => r.id === request.id));
      const { grant, request: approved } = await approveAccessRequest(db, request.id, {
        decidedBy: "admin@demo.pilotage.test",
        kind: "prescripteur",
        organisationLabel: "Association inconnue",
        perimeter: { departements: ["93"], region: "11" },
      });
      assert.equal(approved.status, "approved");
      const year = 365 * 24 * 3600 * 1000;
      assert.ok(
        Math.abs(grant.validUntil!.getTime() - Date.now() - year) < 60_000,
        "a one-year term by default",
      );
      assert.equal(approved.grantId, grant.id);
      assert.equal(grant.subjectSub, "sub-inconnu");
      assert.equal(grant.subjectEmail, "inconnu@demo.pilotage.test");
      assert.equal(await pendingRequestOf(db, "sub-inconnu"), undefined);
      await assert.rejects(
        refuseAccessRequest(db, request.id, { decidedBy: "admin@demo.pilotage.test" }),
        /déjà été traitée \(acceptée\)/,
      );
      const actions = (await readAudit(db, { limit: 3 })).map((a) => a.action);
      assert.deepEqual(actions, ["access_request.approved", "grant.created", "access_request.created"]);
    });

    it("refuses a request without creating a grant", async () => {
      const request = await createAccessRequest(
        db,
        { sub: "sub-refus", email: "refus@demo.pilotage.test" },
        { organisation: "Org", role: "Rôle", reason: "Une raison suffisamment longue" },
      );
      const refused = await refuseAccessRequest(db, request.id, {
        decidedBy: "admin@demo.pilotage.test",
        note: "Hors périmètre",
      });
      assert.equal(refused.status, "refused");
      assert.equal(refused.grantId, null);
      assert.deepEqual(await grantsFor(db, { sub: "sub-refus", email: "refus@demo.pilotage.test" }), []);
    });

    describe("binding to the ProConnect account at first use (issue 15)", () => {
      const newGrant = (email: string, kind: "staff" | "ddets" = "staff") =>
        createGrant(db, {
          subject: { email },
          kind,
          organisationLabel: "GIP",
          perimeter: { departements: ["75"] },
          grantedBy: "admin@demo.pilotage.test",
        });
      const ids = (grants: Array<{ id: number }>) => grants.map((g) => g.id);

      it("binds an e-mail grant to the first account that uses it; the same address elsewhere then has nothing", async () => {
        const grant = await newGrant("chef@travail.gouv.fr");
        const first = { sub: "sub-first", email: "chef@travail.gouv.fr", idpId: "fia1v2" };
        const [bound] = await bindGrants(db, [grant.id], first);
        assert.deepEqual(
          { sub: bound?.subjectSub, idp: bound?.boundIdpId, at: bound?.boundAt instanceof Date },
          { sub: "sub-first", idp: "fia1v2", at: true },
        );
        assert.deepEqual(ids(await grantsFor(db, first)), [grant.id]);
        for (const other of [
          { sub: "sub-other", email: "CHEF@travail.gouv.fr", idpId: "other-idp" },
          { sub: "sub-other", email: "chef@travail.gouv.fr", idpId: "fia1v2" },
          { sub: "sub-first", email: "chef@travail.gouv.fr", idpId: "other-idp" },
        ]) {
          assert.deepEqual(await grantsFor(db, other), [], JSON.stringify(other));
        }
        assert.deepEqual(
          await activeStaffGrant(db, { sub: "sub-other", idpId: "fia1v2" }, new Date()),
          undefined,
        );
        assert.equal((await activeStaffGrant(db, first, new Date()))?.id, grant.id);
        const [audit] = await readAudit(db, { action: "grant.bound", limit: 1 });
        assert.deepEqual(
          { resource: audit?.resourceId, details: audit?.details },
          {
            resource: String(grant.id),
            details: { subjectSub: "sub-first", idpId: "fia1v2", subjectEmail: "chef@travail.gouv.fr" },
          },
        );
      });

      it("gives a grant two accounts race for to the first only", async () => {
        const grant = await newGrant("course@travail.gouv.fr");
        const [a, b] = await Promise.all([
          bindGrants(db, [grant.id], { sub: "sub-a", email: "course@travail.gouv.fr", idpId: "fia1v2" }),
          bindGrants(db, [grant.id], { sub: "sub-b", email: "course@travail.gouv.fr", idpId: "other-idp" }),
        ]);
        assert.equal(a.length + b.length, 1);
      });

      it("re-binds a grant to another account or unbinds it, audited, and refuses to unbind one without e-mail", async () => {
        const grant = await newGrant("mobile@travail.gouv.fr", "ddets");
        await bindGrants(db, [grant.id], {
          sub: "sub-old",
          email: "mobile@travail.gouv.fr",
          idpId: "fia1v2",
        });
        const { before, after } = await rebindGrant(
          db,
          grant.id,
          { sub: "sub-new", idpId: "rie" },
          "staff@x",
        );
        assert.deepEqual(
          [before.subjectSub, after.subjectSub, after.boundIdpId],
          ["sub-old", "sub-new", "rie"],
        );
        assert.deepEqual(
          await grantsFor(db, { sub: "sub-old", email: "mobile@travail.gouv.fr", idpId: "fia1v2" }),
          [],
        );
        const unbound = await rebindGrant(db, grant.id, null, "staff@x");
        assert.deepEqual([unbound.after.subjectSub, unbound.after.boundIdpId], [null, null]);
        assert.deepEqual(
          ids(await grantsFor(db, { sub: "anyone", email: "mobile@travail.gouv.fr" })),
          [grant.id],
          "waits for the next login with its e-mail",
        );
        const bySub = await createGrant(db, {
          subject: { sub: "sub-only" },
          kind: "ddets",
          organisationLabel: "x",
          perimeter: { departements: ["75"] },
          grantedBy: "a",
        });
        await assert.rejects(
          rebindGrant(db, bySub.id, null, "staff@x"),
          /ne vise aucune adresse électronique/,
        );
        await assert.rejects(
          rebindGrant(db, 99_999_999, null, "staff@x"),
          /Aucun accès actif n'a le numéro 99999999/,
        );
        const actions = (await readAudit(db, { action: "grant.rebound", limit: 2 })).map((a) => a.details);
        assert.deepEqual(actions, [
          {
            subjectEmail: "mobile@travail.gouv.fr",
            before: { sub: "sub-new", idpId: "rie" },
            after: { sub: null, idpId: null },
          },
          {
            subjectEmail: "mobile@travail.gouv.fr",
            before: { sub: "sub-old", idpId: "fia1v2" },
            after: { sub: "sub-new", idpId: "rie" },
          },
        ]);
      });

      it("keeps one pending request per person, even for two posts at once", async () => {
        const person = { sub: "sub-double", email: "double@demo.pilotage.test", idpId: "fia1v2" };
        const input = { organisation: "Org", role: "Rôle", reason: "Une raison suffisamment longue" };
        const results = await Promise.allSettled([
          createAccessRequest(db, person, input),
          createAccessRequest(db, person, input),
        ]);
        assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
        const rejected = results.find((r) => r.status === "rejected");
        assert.ok(rejected?.reason instanceof RequestAlreadyPendingError);
        const pending = await pendingRequestOf(db, "sub-double");
        assert.equal(pending?.idpId, "fia1v2");
        await refuseAccessRequest(db, pending!.id, { decidedBy: "staff@x" });
        await createAccessRequest(db, person, input);
      });

      it("answers a post that passes the check but loses at the insert as already pending, not a database error", async function () {
        // The race of two posts at once, made certain: the first request's row is inserted but not yet
        // committed, so the second's check sees nothing and its insert waits on the unique index. Only a
        // server with several connections can hold a transaction open while another query runs.
        if (db.kind !== "postgres") this.skip();
        const person = { sub: "sub-race", email: "race@demo.pilotage.test", idpId: "fia1v2" };
        const input = { organisation: "Org", role: "Rôle", reason: "Une raison suffisamment longue" };
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let inserted!: () => void;
        const insertDone = new Promise<void>((resolve) => (inserted = resolve));
        const first = db.transaction(async (tx) => {
          await tx.query(
            "INSERT INTO access_requests (sub, email, organisation, role, reason) VALUES ($1, $2, 'Org', 'Rôle', 'Une raison suffisamment longue')",
            [person.sub, person.email],
          );
          inserted();
          await held;
        });
        await insertDone;
        const second = createAccessRequest(db, person, input);
        const outcome = second.then(
          () => "created",
          (error: unknown) => error,
        );
        for (let waited = 0; ; waited += 20) {
          const { rows } = await db.query<{ waiting: number }>(
            "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO access_requests%'",
          );
          if (rows[0]!.waiting > 0) break;
          assert.ok(waited < 5000, "the second insert never waited on the first");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        release();
        await first;
        assert.ok((await outcome) instanceof RequestAlreadyPendingError, String(await outcome));
        const pending = await pendingRequestOf(db, person.sub);
        await refuseAccessRequest(db, pending!.id, { decidedBy: "staff@x" });
      });

      it("binds an approved request's grant to the very account that asked", async () => {
        const request = await createAccessRequest(
          db,
          { sub: "sub-asks", email: "asks@demo.pilotage.test", idpId: "proconnect-identite" },
          { organisation: "Org", role: "Rôle", reason: "Une raison suffisamment longue" },
        );
        const { grant } = await approveAccessRequest(db, request.id, {
          decidedBy: "staff@x",
          kind: "prescripteur",
          organisationLabel: "Org",
          perimeter: { departements: ["93"], region: "11" },
        });
        assert.deepEqual([grant.subjectSub, grant.boundIdpId], ["sub-asks", "proconnect-identite"]);
        assert.deepEqual(
          await grantsFor(db, { sub: "sub-other", email: "asks@demo.pilotage.test", idpId: "x" }),
          [],
        );
      });

      it("approves a request by re-binding only a grant of the same e-mail", async () => {
        const grant = await newGrant("autre@travail.gouv.fr", "ddets");
        const request = await createAccessRequest(
          db,
          { sub: "sub-pas-moi", email: "pas.moi@travail.gouv.fr", idpId: "fia1v2" },
          { organisation: "Org", role: "Rôle", reason: "Une raison suffisamment longue" },
        );
        await assert.rejects(
          approveByRebinding(db, request.id, grant.id, "staff@x"),
          /L'accès n° \d+ ne vise pas l'adresse pas\.moi@travail\.gouv\.fr/,
        );
        assert.equal((await pendingRequestOf(db, "sub-pas-moi"))?.id, request.id, "nothing changed");
        assert.deepEqual(
          ids(await grantsFor(db, { sub: "anyone", email: "autre@travail.gouv.fr" })),
          [grant.id],
          "the grant is left unbound",
        );
      });
    });
  });
}
