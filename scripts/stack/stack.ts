import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { bindMounts, namedVolumes, readCompose, serviceEnvironment, type Compose } from "./compose.js";
import { ensureDist } from "./build.js";
import {
  freePort,
  logTail,
  portIsFree,
  runToEnd,
  startProcess,
  waitUntil,
  type StackProcess,
} from "./processes.js";
import { translate, type ServiceView, type StackAddresses } from "./translate.js";

/**
 * `npm run stack`: docker-compose.yml without Docker. Every service of the file runs here as a process
 * (Debian's Caddy, Redis and Postgres, the compiled gateway twice, the demo provider, the Metabase test
 * server standing in for Metabase, and deploy/init.sh), with the environment compose gives it translated
 * to this machine's addresses (translate.ts), in the order of its `depends_on`, each declared ready by
 * its own compose healthcheck. The tests, the browser journey and the soak start it through `startStack`.
 */

/** The public sites of the compose file, as a browser reaches them there (compose's defaults). */
export const COMPOSE_ORIGINS = {
  gateway: "https://localhost",
  metabase: "https://metabase.localhost",
  proconnect: "https://proconnect.localhost",
} as const;
export type Site = keyof typeof COMPOSE_ORIGINS;

/** What each compose service listens on inside its container (the stack gives it a port of its own). */
export const CONTAINER_PORTS: Readonly<Record<string, number | undefined>> = {
  caddy: undefined,
  "gateway-1": 3000,
  "gateway-2": 3000,
  init: undefined,
  "demo-idp": 3000,
  redis: 6379,
  postgres: 5432,
  metabase: 3000,
};

/** The compose profile the stack always enables: the demo provider logs people in. */
export const STACK_PROFILES = ["demo"];

export const GATEWAY_REPLICAS = ["gateway-1", "gateway-2"] as const;
export type GatewayReplica = (typeof GATEWAY_REPLICAS)[number];

export interface StackOptions {
  /** A fresh folder (created when missing): data, logs, secrets. Default: a new temporary folder. */
  dir?: string;
  /** Ports of Caddy's three sites on localhost; free ports by default. */
  sitePorts?: Partial<Record<Site, number>>;
  /** Operator variables to add or override (.env's role), e.g. PILOTAGE_SEED_SCALE or LOG_LEVEL. */
  env?: Record<string, string>;
  /** Where the processes' group ids go for a last-resort cleanup (PILOTAGE_TEST_DIR under `npm test`). */
  pidDir?: string;
  detach?: boolean;
  /** One line per step, for people watching (stderr in `npm run stack`). */
  progress?: (line: string) => void;
}

export interface Stack {
  dir: string;
  /** https addresses through Caddy: the gateway, Metabase's frames, the demo provider's issuer. */
  urls: { gateway: string; metabase: string; proconnectIssuer: string };
  /** Caddy's local CA (root certificate, PEM): what a client must trust. */
  caCertFile: string;
  /** The operator variables the stack generated (.env's role; secrets included: keep them to tests). */
  operatorEnv: Readonly<Record<string, string>>;
  /** 127.0.0.1 ports of the services behind Caddy. */
  ports: Readonly<Record<string, number>>;
  /** A superuser connection to the stack's Postgres (for checks and backups). */
  postgresAdminUrl: string;
  processes(): StackProcess[];
  logFile(service: string): string;
  /** The soak's faults: stop and start again, on the same data. */
  restartRedis(): Promise<void>;
  restartPostgres(): Promise<void>;
  killGateway(replica: GatewayReplica): Promise<void>;
  startGateway(replica: GatewayReplica): Promise<void>;
  stop(): Promise<void>;
}

interface Context {
  compose: Compose;
  dir: string;
  addresses: StackAddresses;
  ports: Record<string, number>;
  operatorEnv: Record<string, string>;
  options: StackOptions;
  postgresUser: { uid: number; gid: number } | undefined;
  pgSocketDir: string;
}

const DEMO_ADMIN_EMAIL = "metabase-admin@demo.pilotage.test";

/**
 * .env's role: a value for every variable compose requires (`${VAR:?…}`), drawn at random for secrets,
 * plus the demo's switches. Fails on a required variable it does not know how to fill, so that a new
 * one in docker-compose.yml cannot go unnoticed by the stack.
 */
export function operatorEnvironment(
  compose: Compose,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const hex = (bytes: number) => randomBytes(bytes).toString("hex");
  const env: Record<string, string> = {
    PILOTAGE_SEED_DEMO_DATA: "1",
    PROCONNECT_DEMO_ACCOUNTS: "1",
    LOG_LEVEL: "warn",
  };
  for (const name of requiredVariables(compose)) {
    if (name === "METABASE_EMBEDDING_SECRET_KEY") env[name] = hex(32);
    else if (name === "CONTACT_EMAIL") env[name] = "pilotage@demo.pilotage.test";
    else if (name === "METABASE_ADMIN_EMAIL") env[name] = DEMO_ADMIN_EMAIL;
    else if (/_(PASSWORD|SECRET)$/.test(name)) env[name] = hex(24);
    else throw new Error(`docker-compose.yml requires ${name}: teach scripts/stack/stack.ts a value for it`);
  }
  return { ...env, ...overrides };
}

/** Variables compose refuses to start without. */
export function requiredVariables(compose: Compose): string[] {
  const names = new Set<string>();
  const text = JSON.stringify(compose.services);
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?/g)) names.add(m[1]!);
  return [...names].sort();
}

/** The services the stack runs: every one of the file, the `demo` profile's included. */
export function stackServices(compose: Compose): string[] {
  return Object.entries(compose.services)
    .filter(([, s]) => !s.profiles || s.profiles.some((p) => STACK_PROFILES.includes(p)))
    .map(([name]) => name);
}

function volumeDir(ctx: Context, volume: string): string {
  const dir = path.join(ctx.dir, "volumes", volume);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function viewOf(ctx: Context, service: string): ServiceView {
  const definition = ctx.compose.services[service]!;
  const inside = CONTAINER_PORTS[service];
  const outside = ctx.ports[service];
  return {
    ownPorts: new Map(inside !== undefined && outside !== undefined ? [[inside, outside]] : []),
    mounts: new Map([
      ...namedVolumes(definition).map((v) => [v.target, volumeDir(ctx, v.volume)] as const),
      ...bindMounts(definition).map((m) => [m.target, m.source] as const),
    ]),
  };
}

/** A service's environment as compose builds it, translated to this machine. */
function environmentOf(ctx: Context, service: string): Record<string, string> {
  const view = viewOf(ctx, service);
  const env = Object.fromEntries(
    Object.entries(serviceEnvironment(ctx.compose, service, ctx.operatorEnv)).map(([k, v]) => [
      k,
      translate(v, ctx.addresses, view),
    ]),
  );
  // The container's own port, which compose writes as PORT=3000.
  if (env.PORT !== undefined && ctx.ports[service] !== undefined) env.PORT = String(ctx.ports[service]);
  return {
    PATH: `${path.join(ctx.dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: process.env.HOME ?? ctx.dir,
    LANG: process.env.LANG ?? "C.UTF-8",
    ...env,
  };
}

function start(
  ctx: Context,
  service: string,
  command: string,
  args: string[],
  extra: Record<string, string> = {},
  user?: { uid: number; gid: number },
  stopSignal?: NodeJS.Signals,
): StackProcess {
  return startProcess({
    name: service,
    command,
    args,
    env: { ...environmentOf(ctx, service), ...extra },
    cwd: PROJECT_ROOT,
    logDir: path.join(ctx.dir, "logs"),
    pidDir: ctx.options.pidDir,
    detach: ctx.options.detach ?? false,
    ...(user ?? {}),
    ...(stopSignal ? { stopSignal } : {}),
  });
}

/** The compose healthcheck of a service, translated, run once: true when it passes. */
async function healthcheckPasses(ctx: Context, service: string): Promise<boolean> {
  const test = ctx.compose.services[service]?.healthcheck?.test;
  if (!test) return true;
  const view = viewOf(ctx, service);
  const words = (Array.isArray(test) ? test : ["CMD-SHELL", test]).map((w) =>
    translate(w, ctx.addresses, view),
  );
  const [kind, ...rest] = words;
  const [command, ...args] = kind === "CMD-SHELL" ? ["sh", "-c", rest.join(" ")] : rest;
  const result = await runToEnd(command!, args, {
    env: environmentOf(ctx, service),
    cwd: PROJECT_ROOT,
    timeoutMs: 10_000,
  });
  return result.code === 0;
}

function waitHealthy(ctx: Context, service: string, timeoutMs = 180_000): Promise<void> {
  return waitUntil(`${service} (its compose healthcheck)`, () => healthcheckPasses(ctx, service), {
    timeoutMs,
    intervalMs: 300,
    logFile: path.join(ctx.dir, "logs", `${service}.log`),
  });
}

function postgresBin(): string {
  const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql") : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(
      "Postgres is not installed: run `source scripts/test-services.sh && ensure_stack_packages`",
    );
  return path.join("/usr/lib/postgresql", newest, "bin");
}

function postgresAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("no postgres user: install Debian's postgresql package");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

type Launcher = (ctx: Context) => Promise<StackProcess | undefined>;

/**
 * How each compose service runs without Docker. A daemon returns its process; `init` runs to its end.
 * test/docker-compose.test.ts checks that this covers exactly the file's services.
 */
export const LAUNCHERS: Readonly<Record<string, Launcher>> = {
  async postgres(ctx) {
    const bin = postgresBin();
    const data = volumeDir(ctx, "postgres-data");
    const user = ctx.postgresUser;
    const env = environmentOf(ctx, "postgres");
    const fresh = !fs.existsSync(path.join(data, "PG_VERSION"));
    fs.mkdirSync(ctx.pgSocketDir, { recursive: true });
    if (user) {
      for (const dir of [data, ctx.pgSocketDir]) fs.chownSync(dir, user.uid, user.gid);
      fs.chmodSync(data, 0o700);
    }
    if (fresh) {
      // The postgres image's initdb: the superuser's password from POSTGRES_PASSWORD, passwords over TCP.
      const pwfile = path.join(ctx.dir, "run", "pgpass-init");
      fs.writeFileSync(pwfile, `${env.POSTGRES_PASSWORD}\n`, { mode: 0o600 });
      if (user) fs.chownSync(pwfile, user.uid, user.gid);
      const initdb = await runInitdb(bin, data, pwfile, user, path.join(ctx.dir, "logs", "postgres.log"));
      fs.rmSync(pwfile);
      if (initdb.code !== 0) throw new Error(`initdb failed:\n${initdb.output}`);
    }
    const proc = start(
      ctx,
      "postgres",
      path.join(bin, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(ctx.ports.postgres),
        "-c",
        "listen_addresses=127.0.0.1",
        "-k",
        ctx.pgSocketDir,
        // The production path: durable commits, unlike the throw-away test Postgres.
        "-c",
        "fsync=on",
      ],
      {},
      user,
      // Fast shutdown: the gateways' pooled connections would hold a smart one for ever.
      "SIGINT",
    );
    await waitUntil(
      "postgres (socket)",
      async () =>
        (
          await runToEnd(
            path.join(bin, "pg_isready"),
            ["-h", ctx.pgSocketDir, "-p", String(ctx.ports.postgres), "-U", "postgres"],
            { env: { PATH: process.env.PATH ?? "" }, cwd: ctx.dir },
          )
        ).code === 0,
      { timeoutMs: 60_000, logFile: proc.logFile },
    );
    if (fresh) {
      // docker-entrypoint-initdb.d, as the image runs it: once, on an empty cluster, over the socket.
      for (const mount of bindMounts(ctx.compose.services.postgres!)) {
        if (!mount.target.startsWith("/docker-entrypoint-initdb.d/")) continue;
        const result = await runToEnd("bash", [mount.source], {
          env: {
            ...env,
            PGHOST: ctx.pgSocketDir,
            PGPORT: String(ctx.ports.postgres),
            POSTGRES_USER: "postgres",
          },
          cwd: PROJECT_ROOT,
          logFile: proc.logFile,
        });
        if (result.code !== 0) throw new Error(`${mount.source} failed:\n${result.output}`);
      }
    }
    return proc;
  },

  async redis(ctx) {
    const command = ctx.compose.services.redis!.command ?? ["redis-server"];
    const [binary = "redis-server", ...args] = command;
    return start(ctx, "redis", binary, [
      ...args,
      "--port",
      String(ctx.ports.redis),
      "--bind",
      "127.0.0.1",
      "--dir",
      volumeDir(ctx, "redis-data"),
      "--daemonize",
      "no",
    ]);
  },

  async caddy(ctx) {
    const caddyfile = bindMounts(ctx.compose.services.caddy!).find(
      (m) => m.target === "/etc/caddy/Caddyfile",
    );
    if (!caddyfile) throw new Error("docker-compose.yml mounts no /etc/caddy/Caddyfile into caddy");
    return start(ctx, "caddy", "caddy", ["run", "--config", caddyfile.source, "--adapter", "caddyfile"], {
      CADDY_BIND: "127.0.0.1",
      CADDY_HTTP_PORT: String(ctx.ports["caddy-http"]),
      CADDY_HTTPS_PORT: String(ctx.ports["caddy-https"]),
      // The caddy image's data and config folders (/data, /config).
      XDG_DATA_HOME: volumeDir(ctx, "caddy-data"),
      XDG_CONFIG_HOME: volumeDir(ctx, "caddy-config"),
    });
  },

  async "demo-idp"(ctx) {
    return start(ctx, "demo-idp", process.execPath, ["dist/src/demo-idp/main.js"]);
  },

  async metabase(ctx) {
    // No Metabase runs here: the Metabase test server stands in for it, reading the warehouse with
    // Metabase's own role (`entrepot` only), as the bootstrap connects it.
    const init = environmentOf(ctx, "init");
    return start(
      ctx,
      "metabase",
      "npm",
      [
        "run",
        "--silent",
        "metabase:test-server",
        "--",
        "--host",
        "127.0.0.1",
        "--port",
        String(ctx.ports.metabase),
        "--schema",
        "entrepot",
        "--secret-key",
        init.METABASE_EMBEDDING_SECRET_KEY ?? "",
      ],
      { WAREHOUSE_URL: init.METABASE_WAREHOUSE_URL ?? "" },
    );
  },

  async init(ctx) {
    const command = ctx.compose.services.init!.command;
    if (!command) throw new Error("docker-compose.yml gives init no command");
    const [binary = "sh", ...args] = command;
    const logFile = path.join(ctx.dir, "logs", "init.log");
    const result = await runToEnd(binary, args, {
      env: environmentOf(ctx, "init"),
      cwd: PROJECT_ROOT,
      logFile,
    });
    if (result.code !== 0)
      throw new Error(`init (${command.join(" ")}) failed with ${result.code}${logTail(logFile, 40)}`);
    return undefined;
  },

  async "gateway-1"(ctx) {
    return start(ctx, "gateway-1", process.execPath, ["dist/src/main.js"]);
  },

  async "gateway-2"(ctx) {
    return start(ctx, "gateway-2", process.execPath, ["dist/src/main.js"]);
  },
};

function runInitdb(
  bin: string,
  data: string,
  pwfile: string,
  user: { uid: number; gid: number } | undefined,
  logFile: string,
) {
  const args = [
    ...["-D", data, "-U", "postgres", `--pwfile=${pwfile}`],
    ...["--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
  ];
  return runToEnd(path.join(bin, "initdb"), args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    cwd: path.dirname(data),
    logFile,
    user,
  });
}

/** `pilotage` on the init service's PATH, as the image links it (/usr/local/bin/pilotage). */
function writeCliShim(dir: string): void {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const shim = path.join(bin, "pilotage");
  fs.writeFileSync(
    shim,
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(PROJECT_ROOT, "bin", "pilotage.js")}" "$@"\n`,
    { mode: 0o755 },
  );
}

async function sitePort(preferred: number | undefined): Promise<number> {
  if (preferred !== undefined) {
    if (!(await portIsFree(preferred))) {
      throw new Error(
        `Le port ${preferred} est déjà utilisé : arrêtez ce qui l'occupe ou choisissez-en un autre.`,
      );
    }
    return preferred;
  }
  return freePort();
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const progress = options.progress ?? (() => {});
  const compose = readCompose();
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-stack-"));
  fs.mkdirSync(path.join(dir, "run"), { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);

  const sites = {
    gateway: await sitePort(options.sitePorts?.gateway),
    metabase: await sitePort(options.sitePorts?.metabase),
    proconnect: await sitePort(options.sitePorts?.proconnect),
  };
  const ports: Record<string, number> = {};
  for (const service of Object.keys(CONTAINER_PORTS)) {
    if (CONTAINER_PORTS[service] !== undefined) ports[service] = await freePort();
  }
  ports["caddy-http"] = await freePort();
  ports["caddy-https"] = await freePort();
  const origin = (site: Site) => `https://localhost:${sites[site]}`;
  const addresses: StackAddresses = {
    origins: new Map(
      (Object.keys(COMPOSE_ORIGINS) as Site[]).map((site) => [COMPOSE_ORIGINS[site], origin(site)]),
    ),
    services: new Map(
      Object.entries(CONTAINER_PORTS)
        .filter((entry): entry is [string, number] => entry[1] !== undefined)
        .map(([service, inside]) => [`${service}:${inside}`, ports[service]!]),
    ),
  };
  const operatorEnv = operatorEnvironment(compose, options.env);
  fs.writeFileSync(
    path.join(dir, "stack.env"),
    Object.entries(operatorEnv)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  const ctx: Context = {
    compose,
    dir,
    addresses,
    ports,
    operatorEnv,
    options,
    postgresUser: postgresAccount(),
    pgSocketDir: path.join(dir, "run", "postgres"),
  };
  writeCliShim(dir);

  const running = new Map<string, StackProcess>();
  const stop = async () => {
    // The reverse of the start order: gateways first, Postgres last.
    const order = [...running.keys()].reverse();
    for (const name of order) await running.get(name)?.stop();
    running.clear();
  };

  try {
    progress("compiling the gateway (dist/) when sources changed…");
    await ensureDist();
    const services = stackServices(compose);
    const started = new Map<string, Promise<void>>();
    const healthy = new Map<string, Promise<void>>();
    const up = (service: string): Promise<void> => {
      const known = started.get(service);
      if (known) return known;
      const definition = compose.services[service];
      const launcher = LAUNCHERS[service];
      if (!definition || !launcher) throw new Error(`the stack does not know how to run ${service}`);
      const promise = (async () => {
        await Promise.all(
          Object.entries(definition.depends_on).map(([dependency, { condition }]) =>
            condition === "service_healthy" ? isHealthy(dependency) : up(dependency),
          ),
        );
        progress(`${service}: starting`);
        const proc = await launcher(ctx);
        if (proc) running.set(service, proc);
        progress(`${service}: ${proc ? "started" : "done"}`);
      })();
      started.set(service, promise);
      return promise;
    };
    const isHealthy = (service: string): Promise<void> => {
      const known = healthy.get(service);
      if (known) return known;
      const promise = up(service).then(() => waitHealthy(ctx, service));
      healthy.set(service, promise);
      return promise;
    };
    await Promise.all(
      services.map((service) => (compose.services[service]!.healthcheck ? isHealthy(service) : up(service))),
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const restart = async (service: string) => {
    const proc = running.get(service);
    await proc?.stop();
    const next = await LAUNCHERS[service]!(ctx);
    if (next) running.set(service, next);
    await waitHealthy(ctx, service, 60_000);
  };
  return {
    dir,
    urls: {
      gateway: origin("gateway"),
      metabase: origin("metabase"),
      proconnectIssuer: `${origin("proconnect")}/api/v2`,
    },
    caCertFile: path.join(volumeDir(ctx, "caddy-ca"), "root.crt"),
    operatorEnv,
    ports: { ...ports, ...Object.fromEntries(Object.entries(sites).map(([k, v]) => [`site-${k}`, v])) },
    postgresAdminUrl: `postgres://postgres:${encodeURIComponent(operatorEnv.POSTGRES_PASSWORD ?? "")}@127.0.0.1:${ports.postgres}/postgres`,
    processes: () => [...running.values()],
    logFile: (service) => path.join(dir, "logs", `${service}.log`),
    restartRedis: () => restart("redis"),
    restartPostgres: () => restart("postgres"),
    async killGateway(replica) {
      await running.get(replica)?.kill();
      running.delete(replica);
    },
    async startGateway(replica) {
      if (running.get(replica)?.running) return;
      const proc = await LAUNCHERS[replica]!(ctx);
      if (proc) running.set(replica, proc);
      await waitHealthy(ctx, replica, 60_000);
    },
    stop,
  };
}
