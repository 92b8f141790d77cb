import "../zod-locale.js";
import { ConfigError } from "../config.js";
import { AppError } from "../errors.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { applyCommand } from "./apply.js";
import { grantsCommand } from "./grants.js";
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
    grants: grantsCommand,
    seed: seedCommand,
    validate: validateCommand,
    plan: planCommand,
    apply: applyCommand,
    pull: pullCommand,
    test: testCommand,
    retention: retentionCommand,
  };
}

function help(): string {
  const lines = Object.entries(commands()).map(([name, cmd]) => `  ${name.padEnd(10)} ${cmd.summary}`);
  return [
    "Usage : pilotage <commande> [options]",
    "",
    "Commandes :",
    ...(lines.length > 0 ? lines : ["  (aucune pour l'instant)"]),
    "",
    "`pilotage <commande> --help` détaille une commande.",
    "",
  ].join("\n");
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands()[name];
  if (!command) {
    io.stderr(`Commande inconnue : ${name}\n\n${help()}`);
    return EXIT.usage;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(`${command.summary}\n\nUsage : pilotage ${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
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
