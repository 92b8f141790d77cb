import path from "node:path";
import { z } from "zod";
import { loadConfig } from "../config.js";
import { UpstreamError } from "../errors.js";
import { countOf } from "../french-plural.js";
import { openDatabase } from "../storage/database.js";
import { migrate } from "../storage/migrations.js";
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
    if (config.env === "production" && !config.database.url) {
      io.stderr(
        "DATABASE_URL : obligatoire en production (sinon la base de la passerelle est un PGlite embarqué). " +
          "Donnez l'adresse Postgres de la base de la passerelle puis relancez.\n",
      );
      return EXIT.config;
    }
    const url = config.database.url ? new URL(config.database.url) : undefined;
    const target = url
      ? `Postgres ${url.host}${url.pathname}`
      : `PGlite (${path.join(config.dataDir, "gateway")})`;
    let db;
    try {
      db = await openDatabase({
        name: "gateway",
        url: config.database.url,
        pgliteDataDir: path.join(config.dataDir, "gateway"),
      });
      await db.ping();
    } catch (error) {
      await db?.close().catch(() => {});
      throw new UpstreamError(
        "database",
        `Impossible de joindre la base de la passerelle (${target}) : ${error instanceof Error ? error.message : String(error)}. ` +
          "Vérifiez que Postgres tourne et la variable DATABASE_URL.",
        error,
      );
    }
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
