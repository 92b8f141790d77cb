import { z } from "zod";
import { loadConfig } from "../config.js";
import { countOf } from "../french-plural.js";
import { migrate } from "../storage/migrations.js";
import { connectGatewayDatabase, gatewayDatabaseTarget } from "./gateway-database.js";
import { parseCommandOptions } from "./options.js";
import { EXIT, type CliCommand } from "./command.js";

const OPTIONS = { json: { type: "boolean" } } as const;
const Options = z.object({ json: z.boolean().default(false) });

/**
 * `pilotage migrate`: brings the gateway database to the current schema. Each gateway also migrates at
 * start (under an advisory lock), but a deployment runs this first, once (the compose stack's init
 * service), so that no replica starts on a schema it is changing.
 */
export const migrateCommand: CliCommand = {
  summary: "mettre la base de la passerelle au schéma courant (migrations/)",
  usage: [
    "migrate [--json]",
    "",
    "  --json   rapport en JSON sur la sortie standard : { target, applied: [...], alreadyApplied }",
    "",
    "Applique dans l'ordre les fichiers de migrations/ pas encore appliqués à DATABASE_URL (le PGlite de",
    "DATA_DIR/gateway sans elle, hors production). Sans effet quand tout est déjà appliqué.",
  ].join("\n"),
  exitCodes: {
    [EXIT.ok]: "base à jour (migrations appliquées, ou rien à appliquer)",
    [EXIT.upstream]: "la base de la passerelle (Postgres) ne répond pas",
  },
  options: OPTIONS,
  async run(args, io) {
    const options = parseCommandOptions(args, OPTIONS, Options);
    const config = loadConfig(io.env, { for: "cli" });
    const target = gatewayDatabaseTarget(config);
    const db = await connectGatewayDatabase(config);
    try {
      const result = await migrate(db);
      if (options.json) io.stdout(`${JSON.stringify({ target, ...result }, null, 2)}\n`);
      else if (result.applied.length === 0) {
        io.stdout(
          `Base de la passerelle (${target}) à jour : ${countOf(result.alreadyApplied, "migration déjà appliquée", "migrations déjà appliquées")}.\n`,
        );
      } else {
        io.stdout(
          `Base de la passerelle (${target}) : ${countOf(result.applied.length, "migration appliquée", "migrations appliquées")} :\n` +
            result.applied.map((name) => `  ${name}\n`).join(""),
        );
      }
      return EXIT.ok;
    } finally {
      await db.close();
    }
  },
};
