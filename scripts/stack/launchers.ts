import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { bindMounts } from "./compose.js";
import { environmentOf, logFileOf, volumeDir, type Context } from "./context.js";
import { logTail, runToEnd, startProcess, waitUntil, type StackProcess } from "./processes.js";

/**
 * How each compose service runs without Docker: the same program (or, for Metabase, the Metabase test
 * server), the same command line and mounted files as the compose file gives it, on this machine's
 * addresses. A daemon returns its process; `init` runs to its end. test/compose/ checks
 * that this covers exactly the file's services.
 */
type Launcher = (ctx: Context) => Promise<StackProcess | undefined>;

/** What asks a service to stop, when not SIGTERM. */
export const STOP_SIGNALS: Readonly<Record<string, NodeJS.Signals>> = {
  // Fast shutdown: the gateways' pooled connections would hold a smart one for ever.
  postgres: "SIGINT",
};

function start(
  ctx: Context,
  service: string,
  command: string,
  args: string[],
  options: { extraEnv?: Record<string, string>; user?: { uid: number; gid: number } | undefined } = {},
): StackProcess {
  return startProcess({
    name: service,
    command,
    args,
    env: { ...environmentOf(ctx, service), ...options.extraEnv },
    cwd: PROJECT_ROOT,
    logDir: path.dirname(logFileOf(ctx, service)),
    pidDir: ctx.pidDir,
    stopSignal: STOP_SIGNALS[service],
    ...(options.user ?? {}),
  });
}

function postgresBin(): string {
  const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql") : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error(
      "Postgres is not installed: run `source scripts/test-services.sh && ensure_stack_packages`",
    );
  }
  return path.join("/usr/lib/postgresql", newest, "bin");
}

/** The postgres image's initdb: the superuser's password from POSTGRES_PASSWORD, passwords over TCP. */
async function initdb(ctx: Context, bin: string, data: string, superuserPassword: string): Promise<void> {
  const pwfile = path.join(ctx.dir, "run", "pgpass-init");
  fs.writeFileSync(pwfile, `${superuserPassword}\n`, { mode: 0o600 });
  if (ctx.postgresUser) fs.chownSync(pwfile, ctx.postgresUser.uid, ctx.postgresUser.gid);
  const args = [
    ...["-D", data, "-U", "postgres", `--pwfile=${pwfile}`],
    ...["--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
  ];
  const result = await runToEnd(path.join(bin, "initdb"), args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    cwd: path.dirname(data),
    logFile: logFileOf(ctx, "postgres"),
    user: ctx.postgresUser,
  });
  fs.rmSync(pwfile);
  if (result.code !== 0) throw new Error(`initdb failed:\n${result.output}`);
}

export const LAUNCHERS: Readonly<Record<string, Launcher>> = {
  async postgres(ctx) {
    const bin = postgresBin();
    const data = volumeDir(ctx, "postgres-data");
    const user = ctx.postgresUser;
    const env = environmentOf(ctx, "postgres");
    const fresh = !fs.existsSync(path.join(data, "PG_VERSION"));
    fs.mkdirSync(ctx.pgSocketDir, { recursive: true });
    if (user) {
      // Postgres refuses to run as root.
      for (const dir of [data, ctx.pgSocketDir]) fs.chownSync(dir, user.uid, user.gid);
      fs.chmodSync(data, 0o700);
    }
    if (fresh) await initdb(ctx, bin, data, env.POSTGRES_PASSWORD ?? "");
    const port = String(ctx.ports.postgres);
    const proc = start(
      ctx,
      "postgres",
      path.join(bin, "postgres"),
      // fsync stays on: the production path, unlike the throw-away test Postgres.
      ["-D", data, "-p", port, "-c", "listen_addresses=127.0.0.1", "-k", ctx.pgSocketDir, "-c", "fsync=on"],
      { user },
    );
    const probe = [
      path.join(bin, "pg_isready"),
      "-h",
      ctx.pgSocketDir,
      "-p",
      port,
      "-U",
      "postgres",
    ] as const;
    await waitUntil(
      "postgres (its socket)",
      async () => (await runToEnd(probe[0], probe.slice(1), { env: {}, cwd: ctx.dir })).code === 0,
      { timeoutMs: 60_000, logFile: proc.logFile },
    );
    if (fresh) {
      // docker-entrypoint-initdb.d, as the image runs it: once, on an empty cluster, over the socket.
      for (const mount of bindMounts(ctx.compose.services.postgres!)) {
        if (!mount.target.startsWith("/docker-entrypoint-initdb.d/")) continue;
        const result = await runToEnd("bash", [mount.source], {
          env: { ...env, PGHOST: ctx.pgSocketDir, PGPORT: port, POSTGRES_USER: "postgres" },
          cwd: PROJECT_ROOT,
          logFile: proc.logFile,
        });
        if (result.code !== 0) throw new Error(`${mount.source} failed:\n${result.output}`);
      }
    }
    return proc;
  },

  async redis(ctx) {
    const [binary = "redis-server", ...args] = ctx.compose.services.redis!.command ?? ["redis-server"];
    // The compose command, then what the container gives it implicitly: its port, address and /data.
    const local = [
      "--port",
      String(ctx.ports.redis),
      "--bind",
      "127.0.0.1",
      "--dir",
      volumeDir(ctx, "redis-data"),
    ];
    return start(ctx, "redis", binary, [...args, ...local, "--daemonize", "no"]);
  },

  async caddy(ctx) {
    const caddyfile = bindMounts(ctx.compose.services.caddy!).find(
      (m) => m.target === "/etc/caddy/Caddyfile",
    );
    if (!caddyfile) throw new Error("docker-compose.yml mounts no /etc/caddy/Caddyfile into caddy");
    return start(ctx, "caddy", "caddy", ["run", "--config", caddyfile.source, "--adapter", "caddyfile"], {
      extraEnv: {
        CADDY_BIND: "127.0.0.1",
        CADDY_HTTP_PORT: String(ctx.ports["caddy-http"]),
        CADDY_HTTPS_PORT: String(ctx.ports["caddy-https"]),
        // The caddy image's data and configuration folders (/data, /config).
        XDG_DATA_HOME: volumeDir(ctx, "caddy-data"),
        XDG_CONFIG_HOME: volumeDir(ctx, "caddy-config"),
      },
    });
  },

  async "demo-idp"(ctx) {
    return start(ctx, "demo-idp", process.execPath, ["dist/src/demo-idp/main.js"]);
  },

  async metabase(ctx) {
    // No Metabase runs here: the Metabase test server stands in for it, as a Metabase is after its first
    // start (no user, no key, embedding off), for deploy/init.sh's bootstrap to set up. Its cards run with
    // Metabase's own role (`entrepot` only), the one the bootstrap connects it with.
    const init = environmentOf(ctx, "init");
    const args = ["run", "--silent", "metabase:test-server:fresh", "--"];
    args.push("--host", "127.0.0.1", "--port", String(ctx.ports.metabase));
    return start(ctx, "metabase", "npm", args, {
      extraEnv: { WAREHOUSE_URL: init.METABASE_WAREHOUSE_URL ?? "" },
    });
  },

  async init(ctx) {
    const command = ctx.compose.services.init!.command;
    if (!command) throw new Error("docker-compose.yml gives init no command");
    const [binary = "sh", ...args] = command;
    const logFile = logFileOf(ctx, "init");
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const result = await runToEnd(binary, args, {
      env: environmentOf(ctx, "init"),
      cwd: PROJECT_ROOT,
      logFile,
    });
    if (result.code !== 0) {
      throw new Error(`init (${command.join(" ")}) failed with ${result.code}${logTail(logFile, 40)}`);
    }
    return undefined;
  },

  async "gateway-1"(ctx) {
    return start(ctx, "gateway-1", process.execPath, ["dist/src/main.js"]);
  },

  async "gateway-2"(ctx) {
    return start(ctx, "gateway-2", process.execPath, ["dist/src/main.js"]);
  },
};
