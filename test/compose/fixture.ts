import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { readCompose, serviceEnvironment, variablesOf } from "../../scripts/stack/compose.js";
import { operatorEnvironment } from "../../scripts/stack/stack.js";
import { PROJECT_ROOT } from "../../src/project-root.js";

/**
 * docker-compose.yml as the tests read it: never started here (no Docker engine), so every
 * cross-reference in it is checked by test/compose/, and the same file is run without Docker by
 * test/stack/stack.test.ts.
 */
export const compose = readCompose();
export const services = compose.services;
/** What the stack fills in as .env: a value for every variable compose requires. */
export const operatorEnv = operatorEnvironment(compose);
export const envOf = (service: string) => serviceEnvironment(compose, service, operatorEnv);
export const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
export const postgresInit = read("deploy/postgres-init.sh");
export const caddyfile = read("deploy/Caddyfile");

/** The `${VAR…}` expression a value is made of, e.g. `${GATEWAY_DB_PASSWORD:?…}` → GATEWAY_DB_PASSWORD. */
export function onlyVariable(value: string): string {
  const variables = variablesOf(value);
  assert.equal(variables.length, 1, `${value} refers to one operator variable`);
  return variables[0]!.name;
}

/** A postgres:// URL of the file, its password left as the variable it comes from. */
export function databaseUrl(value: string): {
  user: string;
  passwordVariable: string;
  host: string;
  database: string;
} {
  const m = /^postgres:\/\/([a-z_]+):(\$\{[^}]+\})@([a-z0-9-]+:\d+)\/([a-z_]+)$/.exec(value);
  assert.ok(m, `${value} is postgres://role:\${PASSWORD}@service:port/database`);
  return { user: m[1]!, passwordVariable: onlyVariable(m[2]!), host: m[3]!, database: m[4]! };
}

/** A service's environment entry as written in the file, before interpolation. */
export function raw(service: string, name: string): string {
  const value = services[service]?.environment[name];
  assert.ok(value !== undefined, `${service} has ${name}`);
  return value;
}
