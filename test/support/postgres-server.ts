import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./free-port.js";
import { testServices } from "./services.js";

const run = promisify(execFile);

/**
 * A Postgres server of one's own (Debian's binaries, as the shared test services), for the fault suite
 * (test/faults/): frozen with SIGSTOP (as a partition or a stuck disk looks from outside), resumed with
 * SIGCONT, restarted on the same port (every connection reset). Each backend is a session of its own
 * (Postgres calls setsid), so the signals go to the postmaster and to each of its children by pid. The
 * postmaster's pid is written to `extra-pg-<name>.pid`, where scripts/test-services.sh finds it should
 * the tests die first.
 */
export interface PostgresServer {
  readonly name: string;
  readonly port: number;
  /** A database of this server, e.g. `url("gateway")`. */
  url(database: string): string;
  /** Stops every process of the server (SIGSTOP): connections stay open, nothing answers. */
  freeze(): Promise<void>;
  resume(): void;
  /** A fast shutdown (connections reset), then a start on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Postgres refuses to run as root: the tests run its binaries as the `postgres` user then. */
const asPostgres = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];

/**
 * The uid and gid to start the server with when running as root. Not through runuser: runuser stops
 * itself when its child is stopped, and waits for a SIGCONT of its own before it can report the exit.
 */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run("id", [flag, "postgres"])).stdout.trim());
  return { uid: await id("-u"), gid: await id("-g") };
}

/** An empty cluster, made once per test run and copied for each server (initdb costs seconds). */
let template: Promise<string> | undefined;
function clusterTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = path.join(testServices.tmpDir, `pg-template-${process.pid}`);
    await fs.mkdir(dir, { recursive: true });
    if (process.getuid?.() === 0) await run("chown", ["postgres:postgres", dir]);
    const [command, args] = asPostgres(path.join(testServices.postgresBinDir, "initdb"), [
      "-D",
      dir,
      "-U",
      "pilotage",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
    ]);
    await run(command, args);
    return dir;
  })();
  return template;
}

async function waitUntilReady(port: number, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const client = new pg.Client({
      connectionString: `postgres://pilotage@127.0.0.1:${port}/postgres`,
      connectionTimeoutMillis: 1_000,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The processes whose parent is `pid` (Linux: /proc/<pid>/stat, whose 4th field is the parent). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === pid) children.push(Number(entry));
  }
  return children;
}

export async function startPostgres(name: string): Promise<PostgresServer> {
  // Per process: a run that died may have left its folders behind.
  const dir = path.join(testServices.tmpDir, `pg-${name}-${process.pid}`);
  const socketDir = path.join(testServices.tmpDir, `pg-${name}-${process.pid}-socket`);
  await fs.cp(await clusterTemplate(), dir, { recursive: true });
  await fs.mkdir(socketDir, { recursive: true });
  if (process.getuid?.() === 0) await run("chown", ["-R", "postgres:postgres", dir, socketDir]);
  const port = await freePort();
  const pidFile = path.join(testServices.tmpDir, `extra-pg-${name}-${process.pid}.pid`);
  let child: ChildProcess | undefined;
  let postmaster: number | undefined;
  let frozen: number[] = [];

  const launch = async () => {
    child = spawn(
      path.join(testServices.postgresBinDir, "postgres"),
      [
        "-D",
        dir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-k",
        socketDir,
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=100",
      ],
      { stdio: "ignore", ...(await postgresUser()) },
    );
    await waitUntilReady(port);
    postmaster = child.pid;
    await fs.writeFile(pidFile, String(postmaster));
  };
  const send = (pids: number[], signal: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  };
  const thaw = () => {
    send(frozen, "SIGCONT");
    frozen = [];
  };
  const halt = async () => {
    if (!child || !postmaster || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    thaw();
    // Fast shutdown: backends are told to end, clients see their connections reset.
    send([postmaster], "SIGINT");
    const timer = setTimeout(() => send([postmaster!], "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  const kill = () => {
    thaw();
    if (postmaster) send([postmaster], "SIGKILL");
  };
  process.once("exit", kill);

  return {
    name,
    port,
    url: (database) => `postgres://pilotage@127.0.0.1:${port}/${database}`,
    async freeze() {
      // The postmaster first, so that it forks nothing new; then every process it started.
      send([postmaster!], "SIGSTOP");
      const children = await childrenOf(postmaster!);
      send(children, "SIGSTOP");
      frozen = [postmaster!, ...children];
    },
    resume() {
      thaw();
    },
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      process.off("exit", kill);
      await halt();
      await Promise.all([pidFile, dir, socketDir].map((p) => fs.rm(p, { recursive: true, force: true })));
    },
  };
}

/** Creates a database on a server of one's own. */
export async function createDatabase(server: PostgresServer, database: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  return server.url(database);
}
