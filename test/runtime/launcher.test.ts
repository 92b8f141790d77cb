import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/project-root.js";

/**
 * bin/pilotage.js, the `pilotage` command's launcher, on a stand-in checkout whose two entry points only
 * say which one ran and whether `.env` was read: dist/ in production or when asked, never a dist/ older
 * than src/; src/ through tsx in development; `.env` of the current directory in development only.
 */
describe("bin/pilotage.js (issue 18)", () => {
  let root: string;
  let cwd: string;
  const report = (ran: string) =>
    `console.log(JSON.stringify({ ran: "${ran}", probe: process.env.PILOTAGE_PROBE ?? null }));\n`;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-launcher-"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "bin/pilotage.js"), path.join(root, "bin/pilotage.js"));
    fs.writeFileSync(path.join(root, "package.json"), '{ "type": "module" }\n');
    fs.mkdirSync(path.join(root, "src/cli"), { recursive: true });
    fs.writeFileSync(path.join(root, "src/cli/main.ts"), report("src"));
    fs.mkdirSync(path.join(root, "dist/src/cli"), { recursive: true });
    fs.writeFileSync(path.join(root, "dist/src/cli/main.js"), report("dist"));
    fs.mkdirSync(path.join(root, "node_modules"));
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules/tsx"), path.join(root, "node_modules/tsx"), "dir");
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-cwd-"));
    fs.writeFileSync(path.join(cwd, ".env"), "PILOTAGE_PROBE=from-dotenv\n");
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  /** Sets the build's and the sources' modification times: `built` seconds after (or before) the sources. */
  function build(ageSeconds: number) {
    const sources = new Date("2026-01-01T00:00:00Z");
    fs.utimesSync(path.join(root, "src/cli/main.ts"), sources, sources);
    const built = new Date(sources.getTime() + ageSeconds * 1000);
    fs.utimesSync(path.join(root, "dist/src/cli/main.js"), built, built);
  }

  function launch(env: Record<string, string>) {
    const result = spawnSync(process.execPath, [path.join(root, "bin/pilotage.js")], {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      encoding: "utf8",
      timeout: 30_000,
    });
    return {
      status: result.status,
      stderr: result.stderr,
      ran:
        result.status === 0
          ? (JSON.parse(result.stdout) as { ran: string; probe: string | null })
          : undefined,
    };
  }

  it("runs src/ through tsx in development, with the current directory's .env", () => {
    build(60);
    assert.deepEqual(launch({}), { status: 0, stderr: "", ran: { ran: "src", probe: "from-dotenv" } });
  });

  it("never reads .env under npm test (NODE_ENV=test) nor in production", () => {
    assert.deepEqual(launch({ NODE_ENV: "test" }).ran, { ran: "src", probe: null });
    build(60);
    assert.deepEqual(launch({ NODE_ENV: "production" }).ran, { ran: "dist", probe: null });
  });

  it("runs dist/ when asked, if it is newer than src/, and refuses a stale one", () => {
    build(60);
    assert.deepEqual(launch({ PILOTAGE_USE_DIST: "1" }).ran, { ran: "dist", probe: "from-dotenv" });
    build(-60);
    assert.deepEqual(launch({ PILOTAGE_USE_DIST: "1" }), {
      status: 3,
      stderr:
        "dist/ est plus ancien que src/ : lancez `npm run build` (ou, en développement, retirez PILOTAGE_USE_DIST pour lancer src/ directement).\n",
      ran: undefined,
    });
    assert.equal(
      launch({ NODE_ENV: "production" }).status,
      3,
      "a stale build in a checkout, even in production",
    );
  });

  it("runs dist/ where there are no sources (the image), and where tsx is not installed if it is fresh", () => {
    build(-60);
    fs.renameSync(path.join(root, "src"), path.join(root, "src.away"));
    try {
      assert.deepEqual(launch({ NODE_ENV: "production" }).ran, { ran: "dist", probe: null });
    } finally {
      fs.renameSync(path.join(root, "src.away"), path.join(root, "src"));
    }
    fs.renameSync(path.join(root, "node_modules/tsx"), path.join(root, "node_modules/tsx.away"));
    try {
      build(60);
      assert.deepEqual(launch({}).ran, { ran: "dist", probe: "from-dotenv" });
      build(-60);
      assert.equal(launch({}).status, 3);
    } finally {
      fs.renameSync(path.join(root, "node_modules/tsx.away"), path.join(root, "node_modules/tsx"));
    }
  });
});
