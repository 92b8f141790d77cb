import { z } from "zod";
import { applyRetention, type RetentionReport } from "../audit/retention.js";
import { loadConfig } from "../config.js";
import { agree, countOf } from "../french-plural.js";
import { openGatewayDatabase } from "./gateway-database.js";
import { parseCommandOptions } from "./options.js";
import { EXIT, type CliCommand } from "./command.js";

const Options = z.object({
  "dry-run": z.boolean().default(false),
  json: z.boolean().default(false),
});

const USAGE = `retention [--dry-run] [--json]

Applique les durées de conservation de la page « Données personnelles » à la base de la passerelle
(DATABASE_URL, sinon le PGlite de DATA_DIR) :
  - journal d'audit : les lignes de plus de AUDIT_IDENTITY_RETENTION_DAYS jours (365 par défaut) gardent
    ce qui a été délivré mais perdent l'identité de la personne (pseudonyme, adresse et textes libres
    effacés), par la seule fonction de la base autorisée à le faire, qui l'inscrit au journal ;
  - journal des visites : les visites de plus de VISIT_RETENTION_DAYS jours (395 par défaut) sont supprimées.
À lancer chaque jour (cron, tâche planifiée) ; une seconde exécution ne change rien.
--dry-run   compte ce qui serait traité, sans rien changer
--json      rapport JSON { dryRun, audit: { before, rows }, visits: { before, rows } }`;

const OPTIONS = { "dry-run": { type: "boolean" }, json: { type: "boolean" } } as const;

/** What was done, each count agreeing with its noun and participle (« 1 ligne antérieure … pseudonymisée »). */
export function retentionReport(result: RetentionReport): string {
  const day = (iso: string) => iso.slice(0, 10);
  const { audit, visits, dryRun } = result;
  return (
    `${dryRun ? "Simulation : rien n'a été modifié.\n" : ""}` +
    `Journal d'audit : ${countOf(audit.rows, "ligne antérieure", "lignes antérieures")} au ${day(audit.before)} ` +
    `${dryRun ? "à pseudonymiser" : agree(audit.rows, "pseudonymisée", "pseudonymisées")}.\n` +
    `Journal des visites : ${countOf(visits.rows, "visite antérieure", "visites antérieures")} au ${day(visits.before)} ` +
    `${dryRun ? "à supprimer" : agree(visits.rows, "supprimée", "supprimées")}.\n`
  );
}

export const retentionCommand: CliCommand = {
  summary: "appliquer les durées de conservation (pseudonymiser l'audit, supprimer les vieilles visites)",
  usage: USAGE,
  exitCodes: { [EXIT.ok]: "durées de conservation appliquées (ou simulées avec --dry-run)" },
  options: OPTIONS,
  async run(args, io) {
    const options = parseCommandOptions(args, OPTIONS, Options);
    const config = loadConfig(io.env, { for: "cli" });
    const db = await openGatewayDatabase(config);
    try {
      io.stderr(
        `Conservation : identités de l'audit ${config.retention.auditIdentityDays} jours, visites ${config.retention.visitDays} jours.\n`,
      );
      const result = await applyRetention(db, config.retention, { dryRun: options["dry-run"] });
      io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : retentionReport(result));
      return EXIT.ok;
    } finally {
      await db.close();
    }
  },
};
