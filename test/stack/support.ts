import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { docCommand } from "../support/doc-commands.js";
import type { Stack } from "../../scripts/stack/stack.js";
import type { Browser } from "../support/login.js";

/** What the stack test needs around the stack: running the docs' commands, and a few probes. */

/** The gateways run in production: their session cookie is host-only (`__Host-`). */
export const SESSION_COOKIE = "__Host-pilotage.sid";

/** The started stack, and the DDETS agent logged in over https (once the session tests ran). */
export interface StackTestContext {
  stack: Stack;
  agent: () => Browser;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one command of a docs page as written (`sh -c`), in a scratch folder, with the variables the page
 * says it needs; fails with its output when it does not exit 0. Resolves with its standard output.
 */
export async function runDocCommand(
  page: string,
  prefix: string,
  options: { env?: Record<string, string>; cwd?: string; append?: string[] } = {},
): Promise<string> {
  const command = [docCommand(page, prefix), ...(options.append ?? [])].join(" ");
  const cwd = options.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-doc-"));
  const child = spawn("sh", ["-c", command], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? cwd, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")));
  const [code] = (await once(child, "close")) as [number | null];
  assert.equal(code, 0, `${page}: ${command}\n${stdout}${stderr}`);
  return stdout;
}

/** A GET that trusts only the system's authorities: Caddy's local CA must be refused. */
export function getWithSystemTrustOnly(url: string): Promise<string> {
  return new Promise((resolve) => {
    https
      .get(url, { ca: tls.getCACertificates("system") }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      })
      .on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

export interface Me {
  email: string;
  profile: { kind: string; perimeter: { departements: { code: string }[] } } | null;
}

/**
 * The person's /api/me once the gateways answer again after a fault: a transient 5xx while they reconnect
 * is retried (issue 21's to turn into a 503), a 401 — the session lost — fails at once.
 */
export async function meAfterFault(browser: Browser, gateway: string, what: string): Promise<Me> {
  for (let tries = 0; ; tries++) {
    const answer = await browser.get(`${gateway}/api/me`);
    assert.notEqual(answer.status, 401, `the session was lost with ${what}`);
    if (answer.status === 200) return (await answer.json()) as Me;
    await answer.body?.cancel();
    assert.ok(tries < 40, `still ${answer.status} after ${what}`);
    await sleep(500);
  }
}

/** The embed token of a dashboard page's Metabase frame, as the gateway signed it for this person. */
export async function frameTokenOf(browser: Browser, gateway: string, dashboard: string): Promise<string> {
  const answer = await browser.get(`${gateway}/tableaux-de-bord/${dashboard}`);
  assert.equal(answer.status, 200);
  const token = /\/embed\/dashboard\/([\w-]+\.[\w-]+\.[\w-]+)/.exec(await answer.text())?.[1];
  assert.ok(token, "the page frames a Metabase dashboard");
  return token;
}
