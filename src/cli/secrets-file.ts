import fs from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import { SECRET_NAMES, type Secrets } from "../metabase/bootstrap.js";

/**
 * The file `pilotage metabase bootstrap` keeps its secrets in: dotenv lines (`NAME=value`), so that
 * `node --env-file`, compose's `env_file` and `process.loadEnvFile` read it as it is, readable by its
 * owner only (0600, set on every write, whatever the umask). Written whole to a temporary file in the same
 * folder, then renamed: a crash never leaves half a file.
 */
export async function readSecretsFile(file: string): Promise<Secrets | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = parseEnv(text);
  const secrets: Secrets = {};
  for (const name of SECRET_NAMES) {
    const value = parsed[name];
    if (value) secrets[name] = value;
  }
  return secrets;
}

export async function writeSecretsFile(file: string, secrets: Secrets, header: string): Promise<void> {
  const lines = SECRET_NAMES.filter((name) => secrets[name]).map(
    (name) => `${name}=${quoted(secrets[name]!)}`,
  );
  const text = `${header
    .split("\n")
    .map((line) => `# ${line}`)
    .join("\n")}\n${lines.join("\n")}\n`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, text, { mode: 0o600 });
  await fs.chmod(temporary, 0o600);
  await fs.rename(temporary, file);
}

/** Plain when safe for every dotenv reader; else double-quoted (a `#` would start a comment). */
function quoted(value: string): string {
  if (/^[A-Za-z0-9_\-.@+/=:]+$/.test(value)) return value;
  if (/["\\\n]/.test(value)) throw new Error("a secret holds a quote, a backslash or a newline");
  return `"${value}"`;
}
