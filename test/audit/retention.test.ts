import assert from "node:assert/strict";
import { applyRetention } from "../../src/audit/retention.js";
import { retentionReport } from "../../src/cli/retention.js";
import { runCli, type CliIo } from "../../src/cli/run.js";
import type { Database } from "../../src/storage/database.js";
import {
  migratedDatabaseImplementations,
  openMigratedGateway,
  type MigratedGateway,
} from "../support/gateway-database.js";

/**
 * Retention (issue 19): after its period an audit row keeps what was handed out and loses who received
 * it, through the one database function allowed to change the append-only log; old visits go.
 */
const DAY = 86_400_000;
const POLICY = { auditIdentityDays: 365, visitDays: 395 };

async function insertAudit(
  db: Database,
  daysAgo: number,
  row: { action: string; sub?: string; email?: string; details?: Record<string, unknown> },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO audit_log (occurred_at, action, actor_sub, actor_email, profile_kind, organisation_id,
                            resource_kind, resource_key, locked_values, details, request_id)
     VALUES (now() - make_interval(days => $1), $2, $3, $4, 'ddets', 'institution:1', 'dashboard', 'pass-iae',
             '{"departement": ["93"]}'::jsonb, $5::jsonb, 'req-' || $1::text)
     RETURNING id`,
    [daysAgo, row.action, row.sub ?? null, row.email ?? null, JSON.stringify(row.details ?? {})],
  );
  return Number(rows[0]!.id);
}

async function auditRow(db: Database, id: number) {
  const { rows } = await db.query(
    `SELECT action, actor_sub, actor_email, profile_kind, organisation_id, resource_key, locked_values, details,
            request_id, pseudonymised_at IS NOT NULL AS pseudonymised
       FROM audit_log WHERE id = $1`,
    [id],
  );
  return rows[0];
}

for (const [name, open] of migratedDatabaseImplementations("retention")) {
  describe(`retention on ${name}`, function () {
    // PGlite starts and migrates in-process: slow on a loaded machine.
    this.timeout(60_000);
    let db: Database;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ db, cleanup } = await open());
    });
    after(() => cleanup());

    it("pseudonymises the identities of old audit rows only, keeps what they record, and says so in the log", async () => {
      const token = await insertAudit(db, 400, {
        action: "embed.token_issued",
        sub: "sub-agent",
        email: "agent@exemple.gouv.fr",
      });
      const export_ = await insertAudit(db, 380, {
        action: "export.data",
        sub: "sub-agent",
        email: "agent@exemple.gouv.fr",
      });
      const grant = await insertAudit(db, 370, {
        action: "grant.created",
        sub: "sub-admin",
        email: "admin@exemple.gouv.fr",
        details: {
          subjectSub: "sub-agent",
          subjectEmail: "agent@exemple.gouv.fr",
          note: "Camille, DREETS",
          validUntil: null,
        },
      });
      const rebound = await insertAudit(db, 366, {
        action: "grant.rebound",
        email: "admin@exemple.gouv.fr",
        details: {
          subjectEmail: "agent@exemple.gouv.fr",
          before: { sub: "sub-ancien", idpId: "fia1" },
          after: { sub: "sub-agent", idpId: "fia2" },
        },
      });
      const recent = await insertAudit(db, 10, {
        action: "embed.token_issued",
        sub: "sub-agent",
        email: "agent@exemple.gouv.fr",
      });
      await db.query(
        `INSERT INTO dashboard_visits (measured_at, dashboard_key, user_sub, profile_kind, organisation_ref)
         VALUES (now() - interval '400 days', 'pass-iae', 'sub-agent', 'ddets', 'institution:1'),
                (now() - interval '20 days', 'pass-iae', 'sub-agent', 'ddets', 'institution:1')`,
      );

      const dryRun = await applyRetention(db, POLICY, { dryRun: true });
      assert.deepEqual([dryRun.audit.rows, dryRun.visits.rows], [4, 1]);
      assert.equal(
        (await auditRow(db, token))?.["actor_email"],
        "agent@exemple.gouv.fr",
        "a dry run changes nothing",
      );

      const result = await applyRetention(db, POLICY);
      assert.deepEqual([result.dryRun, result.audit.rows, result.visits.rows], [false, 4, 1]);

      const agent = (await auditRow(db, token))!;
      assert.match(String(agent["actor_sub"]), /^pseudonyme-[0-9a-f]{24}$/);
      assert.deepEqual(await auditRow(db, token), {
        action: "embed.token_issued",
        actor_sub: agent["actor_sub"],
        actor_email: null,
        profile_kind: "ddets",
        organisation_id: "institution:1",
        resource_key: "pass-iae",
        locked_values: { departement: ["93"] },
        details: {},
        request_id: "req-400",
        pseudonymised: true,
      });
      // The same person keeps the same pseudonym (distinct people still count), as grantee too.
      assert.equal((await auditRow(db, export_))?.["actor_sub"], agent["actor_sub"]);
      const granted = (await auditRow(db, grant))!;
      assert.notEqual(granted["actor_sub"], agent["actor_sub"]);
      assert.deepEqual(granted["details"], { subjectSub: agent["actor_sub"], validUntil: null });
      const rebinding = (await auditRow(db, rebound))!;
      assert.equal(rebinding["actor_sub"], null);
      assert.deepEqual(rebinding["details"], {
        before: { sub: (rebinding["details"] as { before: { sub: string } }).before.sub, idpId: "fia1" },
        after: { sub: agent["actor_sub"], idpId: "fia2" },
      });
      assert.match(
        (rebinding["details"] as { before: { sub: string } }).before.sub,
        /^pseudonyme-[0-9a-f]{24}$/,
      );
      assert.deepEqual(
        [(await auditRow(db, recent))?.["actor_email"], (await auditRow(db, recent))?.["pseudonymised"]],
        ["agent@exemple.gouv.fr", false],
      );
      const { rows: trail } = await db.query(
        "SELECT details FROM audit_log WHERE action = 'audit.pseudonymised' ORDER BY id",
      );
      assert.equal(trail.length, 1);
      assert.equal((trail[0]!["details"] as { rows: number }).rows, 4);
      const { rows: visits } = await db.query("SELECT count(*)::int AS n FROM dashboard_visits");
      assert.equal(visits[0]!["n"], 1);

      // A second run finds nothing more to do (and records that too).
      const again = await applyRetention(db, POLICY);
      assert.deepEqual([again.audit.rows, again.visits.rows], [0, 0]);
    });

    it("keeps the log append-only: no other update, no delete, not even with the retention switch on", async () => {
      const old = await insertAudit(db, 500, {
        action: "export.data",
        sub: "sub-x",
        email: "x@exemple.gouv.fr",
      });
      const recent = await insertAudit(db, 5, {
        action: "export.data",
        sub: "sub-y",
        email: "y@exemple.gouv.fr",
      });
      const refused = /audit_log is append-only/;
      await assert.rejects(db.query("UPDATE audit_log SET actor_email = NULL WHERE id = $1", [old]), refused);
      await assert.rejects(db.query("DELETE FROM audit_log WHERE id = $1", [old]), refused);
      const inSwitchedTransaction = (sql: string, params: unknown[]) =>
        db.transaction(async (tx) => {
          await tx.query("SELECT set_config('pilotage.audit_retention', 'on', true)");
          await tx.query(sql, params);
        });
      // Switched on by hand: still only the exact pseudonymisation passes, and only on an old row.
      await assert.rejects(
        inSwitchedTransaction(
          "UPDATE audit_log SET locked_values = '{}'::jsonb, actor_email = NULL, actor_sub = audit_pseudonym(actor_sub), pseudonymised_at = now() WHERE id = $1",
          [old],
        ),
        refused,
      );
      await assert.rejects(
        inSwitchedTransaction(
          "UPDATE audit_log SET actor_email = NULL, actor_sub = 'quelqu-un', pseudonymised_at = now() WHERE id = $1",
          [old],
        ),
        refused,
      );
      await assert.rejects(
        inSwitchedTransaction(
          "UPDATE audit_log SET actor_email = NULL, actor_sub = audit_pseudonym(actor_sub), details = audit_details_without_identity(details), pseudonymised_at = now() WHERE id = $1",
          [recent],
        ),
        refused,
      );
      await assert.rejects(
        db.query("SELECT audit_log_pseudonymise(now() - interval '10 days')"),
        /less than 30 days ago/,
      );
      assert.equal((await auditRow(db, recent))?.["actor_email"], "y@exemple.gouv.fr");
    });
  });
}

describe("pilotage retention's report", () => {
  const report = (dryRun: boolean, audit: number, visits: number) =>
    retentionReport({
      dryRun,
      audit: { before: "2025-12-03T10:00:00.000Z", rows: audit },
      visits: { before: "2025-11-03T10:00:00.000Z", rows: visits },
    });
  it("agrees with its counts: singular for 0 and 1, plural beyond", () => {
    assert.equal(
      report(false, 0, 1),
      "Journal d'audit : 0 ligne antérieure au 2025-12-03 pseudonymisée.\n" +
        "Journal des visites : 1 visite antérieure au 2025-11-03 supprimée.\n",
    );
    assert.equal(
      report(false, 2, 12),
      "Journal d'audit : 2 lignes antérieures au 2025-12-03 pseudonymisées.\n" +
        "Journal des visites : 12 visites antérieures au 2025-11-03 supprimées.\n",
    );
    assert.equal(
      report(true, 3, 0),
      "Simulation : rien n'a été modifié.\n" +
        "Journal d'audit : 3 lignes antérieures au 2025-12-03 à pseudonymiser.\n" +
        "Journal des visites : 0 visite antérieure au 2025-11-03 à supprimer.\n",
    );
  });
});

describe("pilotage retention", () => {
  let fresh: MigratedGateway;
  let db: Database;
  const io = (env: Record<string, string>): CliIo & { out: string; err: string } => {
    const captured = { out: "", err: "" };
    return Object.assign(captured, {
      env,
      stdout: (text: string) => void (captured.out += text),
      stderr: (text: string) => void (captured.err += text),
    });
  };
  before(async () => {
    fresh = await openMigratedGateway("retcli");
    ({ db } = fresh);
    await insertAudit(db, 100, { action: "export.data", sub: "sub-z", email: "z@exemple.gouv.fr" });
  });
  after(async () => {
    await db.close();
    await fresh.drop();
  });

  it("counts with --dry-run, then applies the configured periods, and says what it did", async () => {
    const env = { DATABASE_URL: fresh.url, LOG_LEVEL: "silent", AUDIT_IDENTITY_RETENTION_DAYS: "90" };
    const dry = io(env);
    assert.equal(await runCli(["retention", "--dry-run", "--json"], dry), 0, dry.err);
    const report = JSON.parse(dry.out) as { dryRun: boolean; audit: { rows: number; before: string } };
    assert.deepEqual([report.dryRun, report.audit.rows], [true, 1]);
    assert.ok(Math.abs(Date.parse(report.audit.before) - (Date.now() - 90 * DAY)) < 60_000);

    const run = io(env);
    assert.equal(await runCli(["retention"], run), 0, run.err);
    assert.match(
      run.out,
      /^Journal d'audit : 1 ligne antérieure au \d{4}-\d{2}-\d{2} pseudonymisée\.\nJournal des visites : 0 visite antérieure au \d{4}-\d{2}-\d{2} supprimée\.\n$/,
    );
    assert.match(run.err, /identités de l'audit 90 jours, visites 395 jours/);

    const refused = io({ ...env, AUDIT_IDENTITY_RETENTION_DAYS: "7" });
    assert.equal(await runCli(["retention"], refused), 3);
    assert.match(refused.err, /AUDIT_IDENTITY_RETENTION_DAYS : au moins 30 jours/);
  });
});
