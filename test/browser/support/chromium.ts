import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { promisify } from "node:util";
import { testServices } from "../../support/services.js";

const execFileAsync = promisify(execFile);

/**
 * Flags for Debian's Chromium on these machines. playwright-core adds `--headless`, `--no-sandbox` (we
 * run as root) and a fresh `--user-data-dir` of its own, removed on close. Without the networking flags
 * Chromium keeps dialling Google's hosts, which this machine's closed network refuses.
 */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-crash-reporter",
];

export interface LaunchedChromium {
  browser: Browser;
  /** In the environment of every process of this browser (see `markedProcesses`). */
  marker: string;
  /** Closes the browser, then fails if any of its processes is still alive after a grace period. */
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium (TEST_CHROMIUM_BIN, installed by scripts/test-services.sh). Every process it
 * starts inherits a marker in its environment, so that closing can prove none is left behind, including
 * the crash handlers Chromium double-forks out of its own process group. Its configuration folder (where
 * Debian's build writes crash reports) is a temporary one, never the user's ~/.config/chromium.
 */
export async function launchChromium(
  options: { trustCertificates?: string[] } = {},
): Promise<LaunchedChromium> {
  const marker = randomUUID();
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-chromium-"));
  if (options.trustCertificates?.length) await trustInProfile(home, options.trustCertificates);
  const browser = await chromium.launch({
    executablePath: testServices.chromiumBin,
    headless: true,
    args: CHROMIUM_FLAGS,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, "config"),
      XDG_CACHE_HOME: path.join(home, "cache"),
      LANG: "fr_FR.UTF-8",
      PILOTAGE_BROWSER_MARKER: marker,
    },
    timeout: 60_000,
  });
  return {
    browser,
    marker,
    async close() {
      await browser.close().catch(() => undefined);
      const left = await waitForNoProcess(marker, 10_000);
      await fs.rm(home, { recursive: true, force: true });
      if (left.length > 0) {
        for (const proc of left) {
          try {
            process.kill(proc.pid, "SIGKILL");
          } catch {
            // Already gone between the scan and the kill.
          }
        }
        throw new Error(
          `Chromium left ${left.length} process(es) running after close (killed now):\n` +
            left.map((proc) => `  ${proc.pid} ${proc.command.slice(0, 160)}`).join("\n"),
        );
      }
    },
  };
}

/**
 * Chromium on Linux trusts the authorities of the NSS database in $HOME/.pki/nssdb: the given PEM roots
 * (Caddy's local CA for the stack) go into this temporary profile's, never into the system's store, and
 * no certificate error is ever ignored.
 */
async function trustInProfile(home: string, certificates: string[]): Promise<void> {
  const db = path.join(home, ".pki", "nssdb");
  await fs.mkdir(db, { recursive: true });
  await execFileAsync("certutil", ["-d", `sql:${db}`, "-N", "--empty-password"]);
  for (const [index, file] of certificates.entries()) {
    await execFileAsync("certutil", [
      "-d",
      `sql:${db}`,
      "-A",
      "-t",
      "C,,",
      "-n",
      `pilotage-test-ca-${index}`,
      "-i",
      file,
    ]);
  }
}

interface MarkedProcess {
  pid: number;
  command: string;
}

/** Live processes (zombies excluded: their parent reaps them) whose environment carries the marker. */
export async function markedProcesses(marker: string): Promise<MarkedProcess[]> {
  const found: MarkedProcess[] = [];
  const needle = `PILOTAGE_BROWSER_MARKER=${marker}`;
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      const environ = await fs.readFile(`/proc/${entry}/environ`, "utf8");
      if (!environ.split("\0").includes(needle)) continue;
      const command = (await fs.readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0").join(" ");
      found.push({ pid: Number(entry), command });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

async function waitForNoProcess(marker: string, timeoutMs: number): Promise<MarkedProcess[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await markedProcesses(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
