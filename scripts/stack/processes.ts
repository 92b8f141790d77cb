import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";

/**
 * The stack's processes: each in a process group of its own (so that stopping one stops what it started,
 * `npm run` wrappers included), its output in a log file. A group is known by its id alone, so that
 * another process (`npm run stack -- stop`, a test attached to a stack the CLI started) can stop it; and
 * under `npm test` its id also goes to a pid file scripts/test-services.sh reads when the run ends.
 */
export interface StackProcess {
  readonly name: string;
  /** The group's id (its leader's pid). */
  readonly pid: number;
  readonly logFile: string;
  readonly running: boolean;
  /** Its stop signal to the whole group, SIGKILL after `graceMs`; resolves once the whole group is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole group at once (a crash, for the fault scenarios). */
  kill(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logDir: string;
  /** Where the group id is written (`stack-<name>.pid`), for a last-resort cleanup. */
  pidDir?: string | undefined;
  uid?: number;
  gid?: number;
  /** What asks it to stop (SIGTERM by default; Postgres: SIGINT, its fast shutdown). */
  stopSignal?: NodeJS.Signals | undefined;
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // The group is gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A group known by its id: started here, or by another process of the same stack. */
export function groupProcess(options: {
  name: string;
  pgid: number;
  logFile: string;
  stopSignal?: NodeJS.Signals | undefined;
  child?: ChildProcess;
  onGone?: () => void;
}): StackProcess {
  const { pgid } = options;
  let leaderExited = false;
  options.child?.once("exit", () => {
    leaderExited = true;
  });
  const alive = () => !leaderExited && signalGroup(pgid, 0);
  // Until the last member of the group has exited (Postgres's workers outlive their postmaster a little).
  const gone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (signalGroup(pgid, 0) && Date.now() < deadline) await sleep(50);
    return !signalGroup(pgid, 0);
  };
  return {
    name: options.name,
    pid: pgid,
    logFile: options.logFile,
    get running() {
      return alive();
    },
    async stop(graceMs = 10_000) {
      signalGroup(pgid, options.stopSignal ?? "SIGTERM");
      if (!(await gone(graceMs))) {
        signalGroup(pgid, "SIGKILL");
        await gone(5_000);
      }
      options.onGone?.();
    },
    async kill() {
      signalGroup(pgid, "SIGKILL");
      await gone(5_000);
      options.onGone?.();
    },
  };
}

export function startProcess(options: StartOptions): StackProcess {
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = fs.openSync(logFile, "a");
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", log, log],
    detached: true,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`${options.name}: ${options.command} could not be started`);
  // The stack's processes outlive whoever started them until stopped: `npm run stack -- --detach`, or a
  // test attached to the CLI's stack; what stops them is the stack's state file, not this handle.
  child.unref();
  const pidFile = options.pidDir ? path.join(options.pidDir, `stack-${options.name}.pid`) : undefined;
  // A negative id: `kill -9 -- -<pgid>` stops the whole group (scripts/test-services.sh).
  if (pidFile) fs.writeFileSync(pidFile, `-${child.pid}\n`);
  return groupProcess({
    name: options.name,
    pgid: child.pid,
    logFile,
    stopSignal: options.stopSignal,
    child,
    onGone: () => {
      if (pidFile) fs.rmSync(pidFile, { force: true });
    },
  });
}

/** Runs a command to its end; resolves with its exit code and output (for init steps and healthchecks). */
export async function runToEnd(
  command: string,
  args: string[],
  options: {
    env: Record<string, string>;
    cwd: string;
    logFile?: string;
    timeoutMs?: number;
    user?: { uid: number; gid: number } | undefined;
  },
): Promise<{ code: number | string; output: string }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.user ?? {}),
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (options.logFile) fs.appendFileSync(options.logFile, chunk);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code: code ?? signal ?? "unknown", output };
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const tail = options.logFile ? logTail(options.logFile) : "";
      throw new Error(`${what} did not become ready in ${options.timeoutMs / 1000} s${tail}`);
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** The last lines of a log, for an error message that says what went wrong. */
export function logTail(file: string, lines = 30): string {
  try {
    const text = fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    return text ? `\n--- ${file} (last lines) ---\n${text}` : "";
  } catch {
    return "";
  }
}
