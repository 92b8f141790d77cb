import "../zod-locale.js";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AppError, ConfigError } from "../errors.js";
import { PROJECT_ROOT } from "../project-root.js";
import { COMMON_EXIT_CODES, EXIT, UsageError, type CliCommand, type CliIo } from "./command.js";
import { applyCommand } from "./apply.js";
import { cacheCommand } from "./cache.js";
import { grantsCommand } from "./grants.js";
import { metabaseCommand } from "./metabase.js";
import { migrateCommand } from "./migrate.js";
import { planCommand } from "./plan.js";
import { pullCommand } from "./pull.js";
import { retentionCommand } from "./retention.js";
import { seedCommand } from "./seed.js";
import { validateCommand } from "./validate.js";
import { testCommand } from "./test.js";

export { EXIT, type CliCommand, type CliIo } from "./command.js";

/**
 * One file per subcommand under src/cli/, listed here. A function rather than a constant, so that a
 * subcommand module importing this one (circular import) never sees the list half-built.
 */
export function commands(): Record<string, CliCommand> {
  return {
    validate: validateCommand,
    test: testCommand,
    plan: planCommand,
    apply: applyCommand,
    pull: pullCommand,
    metabase: metabaseCommand,
    migrate: migrateCommand,
    seed: seedCommand,
    grants: grantsCommand,
    cache: cacheCommand,
    retention: retentionCommand,
  };
}

const PackageJson = z.object({ version: z.string() });

export function cliVersion(): string {
  const { version } = PackageJson.parse(
    JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")),
  );
  return `pilotage ${version} (Node ${process.version})`;
}

function help(): string {
  const lines = Object.entries(commands()).map(([name, cmd]) => `  ${name.padEnd(10)} ${cmd.summary}`);
  return [
    "Usage : pilotage <commande> [options]",
    "",
    "Commandes :",
    ...lines,
    "",
    "`pilotage <commande> --help` détaille une commande et ses codes de sortie ; `pilotage --version` donne la version.",
    "Codes de sortie communs : 0 succès, 1 une vérification a échoué, 3 configuration incomplète,",
    "4 Metabase ou l'entrepôt ne répond pas correctement, 64 commande mal formée.",
    "",
  ].join("\n");
}

/** A command's `--help`: what it does, then every exit code it may return. */
export function commandHelp(name: string, command: CliCommand): string {
  const codes = { ...command.exitCodes, ...COMMON_EXIT_CODES };
  const listed = Object.entries(codes)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, meaning]) => `  ${code.padStart(2)}  ${meaning}`);
  return `${command.summary}\n\nUsage : pilotage ${command.usage}\n\nCodes de sortie :\n${listed.join("\n")}\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    (name ? io.stdout : io.stderr)(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-V") {
    io.stdout(`${cliVersion()}\n`);
    return EXIT.ok;
  }
  const command = commands()[name];
  if (!command) {
    io.stderr(`Commande inconnue : ${name}.\n\n${help()}`);
    return EXIT.usage;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(commandHelp(name, command));
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\nVoir : pilotage ${name} --help\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\nCorrigez ces variables (voir .env.example) puis relancez.\n`);
      return EXIT.config;
    }
    if (error instanceof AppError) {
      io.stderr(`${error.publicMessage}\n`);
      return error.status >= 500 ? EXIT.upstream : EXIT.failed;
    }
    throw error;
  }
}
