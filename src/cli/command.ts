export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment for loadConfig; undefined means the process's (tests pass their own). */
  env?: Record<string, string | undefined> | undefined;
}

export interface CliCommand {
  summary: string;
  usage: string;
  /** Returns the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes, set in one place: 0 success, 1 a check failed, 2 a usage error, 3 a configuration error, 4 an upstream system. */
export const EXIT = { ok: 0, failed: 1, usage: 2, config: 3, upstream: 4 } as const;
