import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { freePort, portIsFree } from "../../test/support/free-port.js";
import { ensureDist } from "./build.js";
import { ensureStackPackages } from "./packages.js";
import { readCompose } from "./compose.js";
import {
  CONTAINER_PORTS,
  contextOf,
  GATEWAY_REPLICAS,
  environmentOf,
  logFileOf,
  operatorEnvironment,
  siteOrigin,
  stackServices,
  volumeDir,
  waitHealthy,
  type Context,
  type GatewayReplica,
  type Site,
  type StackSettings,
} from "./context.js";
import { LAUNCHERS, STOP_SIGNALS } from "./launchers.js";
import { groupProcess, type StackProcess } from "./processes.js";

export {
  COMPOSE_ORIGINS,
  CONTAINER_PORTS,
  GATEWAY_REPLICAS,
  operatorEnvironment,
  requiredVariables,
  stackServices,
  type GatewayReplica,
  type Site,
} from "./context.js";
export { LAUNCHERS } from "./launchers.js";

/**
 * `npm run stack`: docker-compose.yml without Docker. Every service of the file runs here as a process
 * (Debian's Caddy, Redis and Postgres, the compiled gateway twice, the demo provider, the Metabase test
 * server standing in for Metabase, and deploy/init.sh), with the environment compose gives it translated
 * to this machine's addresses (translate.ts), in the order of its `depends_on`, each declared ready by
 * its own compose healthcheck. What it started is written to `<dir>/stack.json`: `attachStack(dir)` acts
 * on a stack another process started (the CLI's, for the tests and the soak).
 */
export interface StackOptions {
  /** A fresh folder (created when missing): data, logs, secrets, the state file. Default: a new temporary one. */
  dir?: string;
  /** Ports of Caddy's three sites on localhost; free ports by default. */
  sitePorts?: Partial<Record<Site, number>>;
  /** Operator variables to add or override (.env's role), e.g. PILOTAGE_SEED_SCALE or LOG_LEVEL. */
  env?: Record<string, string>;
  /** Where the processes' group ids go for a last-resort cleanup (PILOTAGE_TEST_DIR under `npm test`). */
  pidDir?: string | undefined;
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
  /** Every long-running service's process, in start order. */
  processes(): StackProcess[];
  logFile(service: string): string;
  /** A service's environment as compose gives it, translated to this machine (DATABASE_URL, …). */
  environment(service: string): Record<string, string>;
  /**
   * Changes operator variables (.env's role), as an operator edits .env: the services read them when
   * they next start (`restart`), as with `docker compose up -d`.
   */
  setOperatorEnv(variables: Record<string, string>): void;
  /** Stops a service and starts it again on the same data, then waits for its healthcheck. */
  restart(service: string): Promise<void>;
  /** SIGKILL to a service's whole process group: a crash. */
  kill(service: string): Promise<void>;
  /** Starts a service that is not running, then waits for its healthcheck. */
  start(service: string): Promise<void>;
  /** The soak's faults, by name. */
  restartRedis(): Promise<void>;
  restartPostgres(): Promise<void>;
  killGateway(replica: GatewayReplica): Promise<void>;
  startGateway(replica: GatewayReplica): Promise<void>;
  /** Stops every service, the gateways first and Postgres last. */
  stop(): Promise<void>;
}

interface StackState extends StackSettings {
  /** Service → process group id, in start order. */
  groups: Record<string, number>;
}

const stateFile = (dir: string) => path.join(dir, "stack.json");

function readState(dir: string): StackState {
  const file = stateFile(dir);
  if (!fs.existsSync(file)) throw new Error(`no stack in ${dir} (${file} is missing)`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as StackState;
}

function writeState(state: StackState): void {
  // It holds the generated secrets: its owner only.
  const temporary = `${stateFile(state.dir)}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temporary, stateFile(state.dir));
}

/** `pilotage` on the init service's PATH, as the image links it (/usr/local/bin/pilotage). */
function writeCliShim(dir: string): void {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const target = path.join(PROJECT_ROOT, "bin", "pilotage.js");
  fs.writeFileSync(path.join(bin, "pilotage"), `#!/bin/sh\nexec "${process.execPath}" "${target}" "$@"\n`, {
    mode: 0o755,
  });
}

async function sitePort(preferred: number | undefined): Promise<number> {
  if (preferred === undefined) return freePort();
  if (!(await portIsFree(preferred))) {
    throw new Error(
      `Le port ${preferred} est déjà utilisé : arrêtez ce qui l'occupe, ou choisissez-en un autre (--port).`,
    );
  }
  return preferred;
}

function forgetPidFile(ctx: Context, service: string, pgid: number): void {
  if (!ctx.pidDir) return;
  const file = path.join(ctx.pidDir, `stack-${service}.pid`);
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8").trim() === `-${pgid}`) fs.rmSync(file);
}

function stackOf(ctx: Context): Stack {
  const processOf = (service: string, pgid: number): StackProcess =>
    groupProcess({
      name: service,
      pgid,
      logFile: logFileOf(ctx, service),
      stopSignal: STOP_SIGNALS[service],
      // The last-resort pid file goes with the group: a stale one could name another group later.
      onGone: () => forgetPidFile(ctx, service, pgid),
    });
  const forget = (service: string) => {
    const state = readState(ctx.dir);
    delete state.groups[service];
    writeState(state);
  };
  const launch = async (service: string) => {
    const launcher = LAUNCHERS[service];
    if (!launcher) throw new Error(`the stack runs no service named ${service}`);
    const proc = await launcher(ctx);
    if (proc) {
      const state = readState(ctx.dir);
      delete state.groups[service];
      state.groups[service] = proc.pid;
      writeState(state);
    }
    return proc;
  };
  const current = (service: string): StackProcess | undefined => {
    const pgid = readState(ctx.dir).groups[service];
    return pgid === undefined ? undefined : processOf(service, pgid);
  };
  const stack: Stack = {
    dir: ctx.dir,
    urls: {
      gateway: siteOrigin(ctx, "gateway"),
      metabase: siteOrigin(ctx, "metabase"),
      proconnectIssuer: `${siteOrigin(ctx, "proconnect")}/api/v2`,
    },
    caCertFile: path.join(volumeDir(ctx, "caddy-ca"), "root.crt"),
    operatorEnv: ctx.operatorEnv,
    ports: ctx.ports,
    processes: () =>
      Object.entries(readState(ctx.dir).groups).map(([service, pgid]) => processOf(service, pgid)),
    logFile: (service) => logFileOf(ctx, service),
    environment: (service) => environmentOf(ctx, service),
    setOperatorEnv(variables) {
      Object.assign(ctx.operatorEnv, variables);
      const state = readState(ctx.dir);
      Object.assign(state.operatorEnv, variables);
      writeState(state);
    },
    async restart(service) {
      await current(service)?.stop();
      await launch(service);
      await waitHealthy(ctx, service, 60_000);
    },
    async kill(service) {
      await current(service)?.kill();
      forget(service);
    },
    async start(service) {
      if (current(service)?.running) return;
      await launch(service);
      await waitHealthy(ctx, service, 60_000);
    },
    restartRedis: () => stack.restart("redis"),
    restartPostgres: () => stack.restart("postgres"),
    killGateway: (replica) => stack.kill(replica),
    startGateway: (replica) => stack.start(replica),
    async stop() {
      const { groups } = readState(ctx.dir);
      for (const service of Object.keys(groups).reverse()) {
        await processOf(service, groups[service]!).stop();
        forget(service);
      }
    },
  };
  return stack;
}

/** The stack another process started in `dir` (`npm run stack -- --dir …`). */
export function attachStack(dir: string): Stack {
  const { groups: _, ...settings } = readState(dir);
  return stackOf(contextOf(readCompose(), settings));
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const progress = options.progress ?? (() => {});
  const compose = readCompose();
  const dir = path.resolve(options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-stack-")));
  if (fs.existsSync(stateFile(dir))) throw new Error(`a stack already runs in ${dir}: stop it first`);
  fs.mkdirSync(path.join(dir, "run"), { recursive: true });
  // Postgres runs as its own user and must reach its folders.
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
  for (const replica of GATEWAY_REPLICAS) ports[`${replica}-metrics`] = await freePort();
  ports["caddy-http"] = await freePort();
  ports["caddy-https"] = await freePort();
  const settings: StackSettings = {
    dir,
    sites,
    ports,
    operatorEnv: operatorEnvironment(compose, options.env),
    pidDir: options.pidDir,
  };
  writeState({ ...settings, groups: {} });
  writeCliShim(dir);
  const ctx = contextOf(compose, settings);
  const stack = stackOf(ctx);

  try {
    await ensureStackPackages(progress);
    progress("compiling the gateway (dist/) when a source changed…");
    await ensureDist();
    // depends_on, as compose reads it: each service starts once its dependencies are started, healthy
    // (their own healthcheck, translated) or, for init, completed successfully.
    const started = new Map<string, Promise<void>>();
    const healthy = new Map<string, Promise<void>>();
    const up = (service: string): Promise<void> => {
      const known = started.get(service);
      if (known) return known;
      const definition = compose.services[service];
      if (!definition) throw new Error(`docker-compose.yml has no service ${service}`);
      const promise = (async () => {
        await Promise.all(
          Object.entries(definition.depends_on).map(([dependency, { condition }]) =>
            condition === "service_healthy" ? isHealthy(dependency) : up(dependency),
          ),
        );
        progress(`${service}: starting`);
        const launcher = LAUNCHERS[service];
        if (!launcher) throw new Error(`the stack does not know how to run ${service}`);
        const proc = await launcher(ctx);
        if (proc) {
          const state = readState(dir);
          state.groups[service] = proc.pid;
          writeState(state);
        }
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
      stackServices(compose).map((service) =>
        compose.services[service]!.healthcheck ? isHealthy(service) : up(service),
      ),
    );
  } catch (error) {
    // Let the launches in flight settle, then stop what did start.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stack.stop();
    fs.rmSync(stateFile(dir), { force: true });
    throw error;
  }
  return stack;
}

/** Stops the stack of `dir` and removes its state file (the data stays until the folder is removed). */
export async function stopStack(dir: string): Promise<void> {
  await attachStack(dir).stop();
  fs.rmSync(stateFile(dir), { force: true });
}
