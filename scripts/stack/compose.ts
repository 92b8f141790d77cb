import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { PROJECT_ROOT } from "../../src/project-root.js";

/**
 * docker-compose.yml, read the way Docker Compose reads it (merge keys, `${VAR}` interpolation), for
 * `npm run stack`, which runs the same services without Docker, and for the test that checks the file's
 * cross-references. The one description of the production shape.
 */
export const COMPOSE_FILE = path.join(PROJECT_ROOT, "docker-compose.yml");

const Healthcheck = z.looseObject({ test: z.union([z.string(), z.array(z.string())]) });

const Service = z.looseObject({
  image: z.string().optional(),
  build: z.looseObject({ context: z.string(), target: z.string().optional() }).optional(),
  command: z.array(z.string()).optional(),
  profiles: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).default({}),
  ports: z.array(z.string()).default([]),
  volumes: z.array(z.string()).default([]),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
  healthcheck: Healthcheck.optional(),
  networks: z.record(z.string(), z.looseObject({ aliases: z.array(z.string()).default([]) })).optional(),
});
export type ComposeService = z.infer<typeof Service>;

const ComposeFile = z.looseObject({
  name: z.string(),
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.null()).default({}),
});
export type Compose = z.infer<typeof ComposeFile>;

export function readCompose(file = COMPOSE_FILE): Compose {
  return ComposeFile.parse(parse(fs.readFileSync(file, "utf8"), { merge: true }));
}

/** Compose refuses to start: a `${VAR:?message}` whose variable is unset or empty. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly hint: string,
  ) {
    super(`compose would refuse to start: ${hint}`);
    this.name = "MissingVariableError";
  }
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g;

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (unset and empty alike, as `:` says). */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(REFERENCE, (_match, name: string, op?: string, arg?: string) => {
    const set = env[name];
    if (set !== undefined && set !== "") return set;
    if (op === "-") return arg ?? "";
    if (op === "?") throw new MissingVariableError(name, arg ?? name);
    return "";
  });
}

/** The operator's variables a value refers to, with their default or requirement. */
export function variablesOf(
  value: string,
): { name: string; kind: "plain" | "default" | "required"; argument: string }[] {
  return [...value.matchAll(REFERENCE)].map((m) => ({
    name: m[1]!,
    kind: m[2] === "-" ? "default" : m[2] === "?" ? "required" : "plain",
    argument: m[3] ?? "",
  }));
}

/** Every operator variable the file refers to, sorted. */
export function composeVariables(compose: Compose): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node === "string") for (const v of variablesOf(node)) names.add(v.name);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === "object") Object.values(node).forEach(visit);
  };
  visit(compose.services);
  return [...names].sort();
}

/** A service's environment with the operator's variables filled in. */
export function serviceEnvironment(
  compose: Compose,
  service: string,
  operatorEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const definition = compose.services[service];
  if (!definition) throw new Error(`docker-compose.yml has no service ${service}`);
  return Object.fromEntries(
    Object.entries(definition.environment).map(([name, value]) => [name, interpolate(value, operatorEnv)]),
  );
}

/** `name:/target[:ro]` volume mounts of a service: named volumes only (bind mounts start with `.`). */
export function namedVolumes(
  service: ComposeService,
): { volume: string; target: string; readOnly: boolean }[] {
  return service.volumes
    .map((spec) => spec.split(":"))
    .filter(([source]) => source !== undefined && !source.startsWith(".") && !source.startsWith("/"))
    .map(([volume = "", target = "", mode]) => ({ volume, target, readOnly: mode === "ro" }));
}

/** `./file:/target[:ro]` bind mounts of a service. */
export function bindMounts(service: ComposeService): { source: string; target: string }[] {
  return service.volumes
    .map((spec) => spec.split(":"))
    .filter(([source]) => source?.startsWith("."))
    .map(([source = "", target = ""]) => ({ source: path.join(PROJECT_ROOT, source), target }));
}
