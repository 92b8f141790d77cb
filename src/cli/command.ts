import type { ParseArgsOptionsConfig } from "node:util";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment for loadConfig; undefined means the process's (tests pass their own). */
  env?: Record<string, string | undefined> | undefined;
}

export interface CliCommand {
  summary: string;
  /** The synopsis and what the command does, in French; `--help` adds the exit codes. */
  usage: string;
  /**
   * Every exit code the command may return and what it means, shown by `--help`. Pipelines branch on them
   * (docs/ci/), so a test checks that the recipes only rely on codes listed here.
   */
  exitCodes: Readonly<Record<number, string>>;
  /** The options it accepts, as node's parseArgs reads them (also checked against the CI recipes). */
  options: ParseArgsOptionsConfig;
  /** Returns the exit code. A bad invocation throws UsageError (exit 64). */
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * Exit codes, set in one place: 0 success, 1 a check failed, 3 an incomplete configuration, 4 an upstream
 * system (Metabase, the warehouse) unreachable or answering wrongly, 64 a usage error (sysexits' EX_USAGE).
 * 2 is `plan`'s "changes pending" (src/cli/plan.ts), never a usage error: a pipeline must not mistake a
 * typo for drift.
 */
export const EXIT = { ok: 0, failed: 1, config: 3, upstream: 4, usage: 64 } as const;

/** The codes every command shares, as `--help` words them. */
export const COMMON_EXIT_CODES = {
  [EXIT.config]: "configuration incomplète (variables manquantes ou invalides)",
  [EXIT.usage]: "commande mal formée (option inconnue, valeur invalide)",
} as const;

/** A bad invocation: the message says what is wrong, in French; runCli adds where to read the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
