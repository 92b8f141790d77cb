import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../../src/project-root.js";
import { freePort } from "../../support/free-port.js";
import { artifactsDir } from "./artifacts.js";

export interface DemoServer {
  /** The address the browser uses: the server's PUBLIC_URL, so cookies and redirects match. */
  url: string;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface DemoServerOptions {
  /** Variables added to the demo's own (e.g. METABASE_SITE_URL for the embedded variant). */
  env?: Record<string, string>;
  /** Reuse a DATA_DIR (its seeded warehouse) instead of a fresh temporary one, which is then kept. */
  dataDir?: string;
  /** Name of the log file under test-artifacts/browser/. */
  name?: string;
}

/**
 * Starts the product as `npm run demo` does (src/main.ts on its embedded defaults: PGlite, sessions in
 * memory, the in-process ProConnect-like provider), on a free port with DATA_DIR in a temporary folder.
 * The child gets a clean environment, so nothing of the test services (TEST_*) or of the developer's
 * shell leaks into what is meant to be the demo. Resolves once /readyz answers 200 (the first start
 * seeds the warehouse).
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-demo-")));
  const logFile = path.join(await artifactsDir(), `${options.name ?? "demo-server"}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: process.env["HOME"] ?? os.tmpdir(),
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  // If mocha exits without running our after hook, the server must not outlive it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.removeListener("exit", killOnExit);
    await stopChild(child);
    log.end();
    if (ownDataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, url, logFile, 240_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, dataDir, logFile, stop };
}

async function waitUntilReady(child: ChildProcess, url: string, logFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the demo server exited (${child.exitCode ?? child.signalCode}): see ${logFile}`);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the demo server was not ready within ${timeoutMs / 1000} s: see ${logFile}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
