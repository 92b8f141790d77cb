import { z } from "zod";
import type { Database } from "../storage/database.js";

/**
 * Retention of the personal data the gateway keeps about people's use of it (« Données personnelles »):
 * the audit log keeps its rows but loses their identities after `auditIdentityDays`, through the one
 * database function allowed to touch it (migrations/007-audit-retention.sql, audited in the log itself);
 * the visit log, which exists only for usage figures, loses its rows after `visitDays`.
 */

export interface RetentionPolicy {
  /** Days after which an audit row's identity is pseudonymised (at least 30, the database's floor). */
  auditIdentityDays: number;
  /** Days after which a visit of the visit log is deleted. */
  visitDays: number;
}

export interface RetentionReport {
  dryRun: boolean;
  audit: { before: string; rows: number };
  visits: { before: string; rows: number };
}

const DAY_MS = 86_400_000;
const Count = z.object({ n: z.coerce.number().int() });

export async function applyRetention(
  db: Database,
  policy: RetentionPolicy,
  options: { now?: Date; dryRun?: boolean } = {},
): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const auditBefore = new Date(now.getTime() - policy.auditIdentityDays * DAY_MS);
  const visitsBefore = new Date(now.getTime() - policy.visitDays * DAY_MS);
  const count = async (sql: string, at: Date) => Count.parse((await db.query(sql, [at])).rows[0]).n;
  if (options.dryRun) {
    return {
      dryRun: true,
      audit: {
        before: auditBefore.toISOString(),
        rows: await count(
          "SELECT count(*) AS n FROM audit_log WHERE occurred_at < $1 AND pseudonymised_at IS NULL",
          auditBefore,
        ),
      },
      visits: {
        before: visitsBefore.toISOString(),
        rows: await count("SELECT count(*) AS n FROM dashboard_visits WHERE measured_at < $1", visitsBefore),
      },
    };
  }
  return db.transaction(async (tx) => {
    const audit = Count.parse(
      (await tx.query("SELECT audit_log_pseudonymise($1::timestamptz) AS n", [auditBefore])).rows[0],
    ).n;
    const visits = await tx.query("DELETE FROM dashboard_visits WHERE measured_at < $1", [visitsBefore]);
    return {
      dryRun: false,
      audit: { before: auditBefore.toISOString(), rows: audit },
      visits: { before: visitsBefore.toISOString(), rows: visits.rowCount ?? 0 },
    };
  });
}
