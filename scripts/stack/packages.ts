import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { runToEnd } from "./processes.js";

/**
 * Debian's Caddy, Redis and Postgres, installed with apt-get when one is missing, exactly as `npm test`
 * installs its services (scripts/test-services.sh's ensure_stack_packages: as root, or through sudo).
 */
export async function ensureStackPackages(progress: (line: string) => void): Promise<void> {
  const script = path.join(PROJECT_ROOT, "scripts", "test-services.sh");
  const shell = (command: string) =>
    runToEnd("bash", ["-c", `source "${script}" && ${command}`], {
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", HOME: process.env.HOME ?? "/root" },
      cwd: PROJECT_ROOT,
    });
  const missing = (await shell("stack_missing_packages")).output.split("\n").filter(Boolean);
  if (missing.length === 0) return;
  progress(`installing ${missing.join(", ")} with apt-get…`);
  const installed = await shell("ensure_stack_packages");
  if (installed.code !== 0) throw new Error(installed.output.trim());
}
