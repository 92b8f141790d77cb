import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "./command.js";

/**
 * Parses a subcommand's arguments with node's parseArgs, strictly. Its English errors become French
 * UsageErrors (runCli prints them, points at `--help` and exits 64).
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  settings: { positionals?: boolean } = {},
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: settings.positionals ?? false });
  } catch (error) {
    throw new UsageError(frenchParseError(error));
  }
}

/** parseArgs, then a zod schema over the values (ranges, formats), both failing as UsageErrors. */
export function parseCommandOptions<T>(
  args: string[],
  options: ParseArgsOptionsConfig,
  schema: z.ZodType<T>,
): T {
  const { values } = parseCommandArgs(args, options);
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("\n"));
  return parsed.data;
}

function frenchParseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^' ]+)/.exec(message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Option inconnue : ${quoted}.`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Argument inattendu : ${quoted}.`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return message.includes("does not take an argument")
        ? `L'option ${quoted} ne prend pas de valeur.`
        : `L'option ${quoted} attend une valeur (pour une valeur qui commence par un tiret : ${quoted}=-valeur).`;
    default:
      return `Arguments invalides (${message}).`;
  }
}
