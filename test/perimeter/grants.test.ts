import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import {
  approveAccessRequest,
  createAccessRequest,
  listAccessRequests,
  pendingRequestOf,
  refuseAccessRequest,
} from "../../src/perimeter/access-requests.js";
import { createGrant, grantsFor, listGrants, revokeGrant } from "../../src/perimeter/grants.js";
import { type Database } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { databaseImplementations } from "../support/services.js";

const implementations = databaseImplementations("grants");

for (const [name, open] of implementations) {
  describe(`grants and access requests on ${name}`, () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
      await migrate(db);
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
  });
}
