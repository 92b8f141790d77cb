import { ConfigError } from "../config.js";
import { AppError } from "../errors.js";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliCommand {
  summary: string;
  usage: string;
  /** Returns the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes, set in one place: 0 success, 1 a check failed, 2 a usage error, 3 a configuration error, 4 an upstream system. */
export const EXIT = { ok: 0, failed: 1, usage: 2, config: 3, upstream: 4 } as const;

/** One file per subcommand under src/cli/, listed here. */
export const COMMANDS: Record<string, CliCommand> = {};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, cmd]) => `  ${name.padEnd(10)} ${cmd.summary}`);
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
  const command = COMMANDS[name];
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
