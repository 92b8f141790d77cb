import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { bindMounts, namedVolumes, serviceEnvironment, type Compose } from "./compose.js";
import { runToEnd, waitUntil } from "./processes.js";
import { translate, type ServiceView, type StackAddresses } from "./translate.js";

/**
 * What every part of the stack shares: which compose services it runs and where (ports, folders), the
 * operator's variables (.env's role), and each service's environment and healthcheck as compose defines
 * them, translated to this machine (translate.ts).
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

/** The gateways' metrics listener inside their containers (compose's METRICS_PORT). */
export const METRICS_CONTAINER_PORT = 9464;

/** The compose profile the stack always enables: the demo provider logs people in. */
export const STACK_PROFILES = ["demo"];

export const GATEWAY_REPLICAS = ["gateway-1", "gateway-2"] as const;
export type GatewayReplica = (typeof GATEWAY_REPLICAS)[number];

/** What the stack chose at its start, kept in its state file so that another process can act on it. */
export interface StackSettings {
  dir: string;
  /** Ports of Caddy's sites on localhost. */
  sites: Record<Site, number>;
  /** 127.0.0.1 ports of the services (and Caddy's own HTTP ports). */
  ports: Record<string, number>;
  /** .env's role: the variables compose reads from the operator. */
  operatorEnv: Record<string, string>;
  /** Where the groups' ids go for a last-resort cleanup (PILOTAGE_TEST_DIR under `npm test`). */
  pidDir?: string | undefined;
}

export interface Context extends StackSettings {
  compose: Compose;
  addresses: StackAddresses;
  postgresUser: { uid: number; gid: number } | undefined;
  pgSocketDir: string;
}

export function siteOrigin(settings: StackSettings, site: Site): string {
  return `https://localhost:${settings.sites[site]}`;
}

export function contextOf(compose: Compose, settings: StackSettings): Context {
  const addresses: StackAddresses = {
    origins: new Map(
      (Object.keys(COMPOSE_ORIGINS) as Site[]).map((site) => [
        COMPOSE_ORIGINS[site],
        siteOrigin(settings, site),
      ]),
    ),
    services: new Map(
      Object.entries(CONTAINER_PORTS)
        .filter((entry): entry is [string, number] => entry[1] !== undefined)
        .map(([service, inside]) => [`${service}:${inside}`, settings.ports[service]!]),
    ),
  };
  return {
    ...settings,
    compose,
    addresses,
    postgresUser: postgresAccount(),
    pgSocketDir: path.join(settings.dir, "run", "postgres"),
  };
}

const DEMO_METABASE_ADMIN = "metabase-admin@demo.pilotage.test";

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
    else if (name === "METABASE_ADMIN_EMAIL") env[name] = DEMO_METABASE_ADMIN;
    else if (/_(PASSWORD|SECRET)$/.test(name)) env[name] = hex(24);
    else
      throw new Error(`docker-compose.yml requires ${name}: teach scripts/stack/context.ts a value for it`);
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

/** A named volume's folder. */
export function volumeDir(ctx: StackSettings, volume: string): string {
  const dir = path.join(ctx.dir, "volumes", volume);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function logFileOf(ctx: StackSettings, service: string): string {
  return path.join(ctx.dir, "logs", `${service}.log`);
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
export function environmentOf(ctx: Context, service: string): Record<string, string> {
  const view = viewOf(ctx, service);
  const env = Object.fromEntries(
    Object.entries(serviceEnvironment(ctx.compose, service, ctx.operatorEnv)).map(([k, v]) => [
      k,
      translate(v, ctx.addresses, view),
    ]),
  );
  // The container's own ports, which compose writes as PORT=3000 and METRICS_PORT=9464; and what binds
  // every interface inside a container's private network binds loopback here.
  if (env.PORT !== undefined && ctx.ports[service] !== undefined) env.PORT = String(ctx.ports[service]);
  if (env.METRICS_PORT !== undefined && ctx.ports[`${service}-metrics`] !== undefined) {
    env.METRICS_PORT = String(ctx.ports[`${service}-metrics`]);
  }
  if (env.METRICS_HOST === "0.0.0.0") env.METRICS_HOST = "127.0.0.1";
  return {
    // `pilotage` as the image links it, then Node 24 (npm puts node_modules/.bin first).
    PATH: `${path.join(ctx.dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: process.env.HOME ?? ctx.dir,
    LANG: process.env.LANG ?? "C.UTF-8",
    ...env,
  };
}

/** The compose healthcheck of a service, translated, run once: true when it passes. */
export async function healthcheckPasses(ctx: Context, service: string): Promise<boolean> {
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

export function waitHealthy(ctx: Context, service: string, timeoutMs = 180_000): Promise<void> {
  return waitUntil(`${service} (its compose healthcheck)`, () => healthcheckPasses(ctx, service), {
    timeoutMs,
    intervalMs: 300,
    logFile: logFileOf(ctx, service),
  });
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
