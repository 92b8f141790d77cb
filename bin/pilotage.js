#!/usr/bin/env node
// The `pilotage` command. In production (NODE_ENV=production) or when asked (PILOTAGE_USE_DIST=1) it runs
// the compiled CLI of dist/ in this process: no tsx, no TypeScript. In development it runs the sources
// (src/) through tsx, on the project's Node 24 (node_modules/.bin/node) when installed. It never runs a
// dist/ older than src/: a stale build would run yesterday's code under today's name.
// In development, and never under `npm test` (NODE_ENV=test) nor in production, the `.env` of the
// current directory fills the variables the environment leaves unset (Node's own loader).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const distMain = path.join(root, "dist/src/cli/main.js");
const srcMain = path.join(root, "src/cli/main.ts");
const mode = process.env.NODE_ENV ?? "development";
const wantsDist = mode === "production" || process.env.PILOTAGE_USE_DIST === "1";

/** Exit 3, the CLI's code for an incomplete set-up, with what to do. */
function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(3);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** dist/ is stale when a source is newer than the build (an image or a package without src/ has none). */
function distIsStale() {
  return fs.existsSync(srcMain) && newestMtime(path.join(root, "src")) > fs.statSync(distMain).mtimeMs;
}

async function runDist() {
  if (!fs.existsSync(distMain)) {
    fail(
      "Le CLI compilé (dist/) est absent : lancez `npm run build`, ou, en développement, sans PILOTAGE_USE_DIST.",
    );
  }
  if (distIsStale()) {
    fail(
      "dist/ est plus ancien que src/ : lancez `npm run build` (ou, en développement, retirez PILOTAGE_USE_DIST pour lancer src/ directement).",
    );
  }
  await import(pathToFileURL(distMain).href);
}

if (mode === "development" && fs.existsSync(".env")) process.loadEnvFile(".env");

/** tsx's loader, found from this file (not from the current directory), or undefined without dev dependencies. */
function tsxLoader() {
  try {
    return import.meta.resolve("tsx");
  } catch {
    return undefined;
  }
}

const tsx = wantsDist ? undefined : tsxLoader();
if (wantsDist) {
  await runDist();
} else if (tsx && fs.existsSync(srcMain)) {
  const projectNode = path.join(root, "node_modules/.bin/node");
  const node = fs.existsSync(projectNode) ? projectNode : process.execPath;
  const result = spawnSync(node, ["--import", tsx, srcMain, ...process.argv.slice(2)], { stdio: "inherit" });
  if (result.error) fail(`Impossible de lancer ${node} : ${result.error.message}`);
  process.exit(result.status ?? 1);
} else {
  // An install without development dependencies (no tsx): the build is all there is.
  await runDist();
}
