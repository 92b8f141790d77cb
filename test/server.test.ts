import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../src/project-root.js";
import { reservePort, startServer } from "../src/server.js";

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("graceful shutdown", () => {
  it("finishes an in-flight request, then refuses new connections", async () => {
    let started!: () => void;
    const requestStarted = new Promise<void>((resolve) => (started = resolve));
    const running = await startServer(
      (_req, res) => {
        started();
        setTimeout(() => res.end("fini"), 300);
      },
      0,
      "127.0.0.1",
    );
    const inFlight = get(`${running.url}/lent`);
    await requestStarted;
    const stopped = running.stop();
    assert.deepEqual(await inFlight, { status: 200, body: "fini" });
    await stopped;
    await assert.rejects(get(`${running.url}/apres`), /ECONNREFUSED/);
  });
});

describe("a busy port", () => {
  it("answers 503 while starting, then the application, on a port reserved before start-up", async () => {
    const reserved = await reservePort(0, "127.0.0.1");
    const running = reserved.serve((_req, res) => res.end("prêt"));
    await running.stop();
    const early = await reservePort(0, "127.0.0.1");
    const { server } = early.serve(() => undefined);
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const second = await reservePort(port, "127.0.0.1");
    const waiting = await get(`http://127.0.0.1:${port}/`);
    assert.deepEqual(waiting, {
      status: 503,
      body: "Démarrage en cours : réessayez dans quelques secondes.\n",
    });
    const serving = second.serve((_req, res) => res.end("prêt"));
    assert.deepEqual(await get(`http://127.0.0.1:${port}/`), { status: 200, body: "prêt" });
    await serving.stop();
  });

  /** Runs `entry` (a server process) on a port another program holds: what it exits with and prints. */
  async function onBusyPort(entry: string, env: Record<string, string>) {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = spawnSync(process.execPath, ["--import", "tsx", entry], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env["PATH"] ?? "", PORT: String(port), LOG_LEVEL: "silent", ...env },
        encoding: "utf8",
        timeout: 50_000,
      });
      return { port, status: result.status, stderr: result.stderr.trim() };
    } finally {
      blocker.close();
    }
  }
  const busy = (port: number) =>
    `Le port ${port} est déjà utilisé par un autre programme. Arrêtez-le, ou choisissez un autre port : `;

  it("makes the demo say so in French at once, before seeding anything, with the way out", async function () {
    this.timeout(60_000);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-busy-"));
    try {
      const started = Date.now();
      const { port, status, stderr } = await onBusyPort("src/main.ts", { DATA_DIR: dataDir });
      assert.deepEqual(
        { status, stderr },
        {
          status: 75,
          stderr: `${busy(port)}PORT=${port + 100} PUBLIC_URL=http://localhost:${port + 100} npm run demo`,
        },
      );
      assert.ok(Date.now() - started < 15_000, "refused before the warehouse seeding (which takes longer)");
      assert.deepEqual(await fs.readdir(dataDir), [], "nothing seeded");
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it("makes the standalone demo provider say so with its own way out (its issuer, not the gateway's demo)", async function () {
    this.timeout(60_000);
    const { port, status, stderr } = await onBusyPort("src/demo-idp/main.ts", {
      PUBLIC_URL: "https://localhost",
      PROCONNECT_ISSUER: "https://proconnect.localhost/api/v2",
      PROCONNECT_CLIENT_SECRET: "c".repeat(40),
    });
    assert.deepEqual(
      { status, stderr },
      {
        status: 75,
        stderr:
          `${busy(port)}PORT=${port + 100}, et faites-y pointer le proxy qui sert PROCONNECT_ISSUER ` +
          "(https://proconnect.localhost/api/v2), l'adresse que la passerelle appelle aussi",
      },
    );
  });
});
