import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import type { CliIo } from "./command.js";

/**
 * Parses a subcommand's options with node's parseArgs, then checks them with a zod schema. On a bad
 * option it prints a French message (parseArgs' own detail kept in parentheses) pointing at `--help`,
 * and returns undefined: the caller exits with EXIT.usage.
 */
export function parseCommandOptions<T>(
  command: string,
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  schema: z.ZodType<T>,
  io: CliIo,
): T | undefined {
  let values: unknown;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    io.stderr(
      `Option invalide (${error instanceof Error ? error.message : String(error)}).\nVoir : pilotage ${command} --help\n`,
    );
    return undefined;
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    io.stderr(
      `${parsed.error.issues.map((issue) => issue.message).join("\n")}\nVoir : pilotage ${command} --help\n`,
    );
    return undefined;
  }
  return parsed.data;
}
