import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import pg from "pg";
import { attachStack, type Stack } from "../../scripts/stack/stack.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { DDETS_AGENT } from "../browser/journeys/ddets-agent.js";
import { docCommand } from "../support/doc-commands.js";
import { freePortRun } from "../support/free-port.js";
import { loginAs, type Browser } from "../support/login.js";
import { testServices } from "../support/services.js";
import { stackJourney } from "./journey.js";
import { operatorDocsOnStack } from "./operator-docs.js";
import { soakOnStack } from "./soak.js";
import {
  getWithSystemTrustOnly,
  meAfterFault,
  runDocCommand,
  SESSION_COOKIE,
  sleep,
  type StackTestContext,
} from "./support.js";

/**
 * `npm run stack` started for real, as docs/operations/stack.md gives it: docker-compose.yml's services
 * as processes (Caddy, two compiled gateways, the demo provider, the Metabase test server, Redis, Postgres,
 * the init script), reached over https through Caddy with its own CA — which this process and Chromium
 * trust, nothing being ignored. Once per run (it costs a build, a seed and a bootstrap): the roles'
 * grants, a session through the soak's faults, the one browser journey, and the operator documentation's
 * commands run on it.
 */

describe("npm run stack (docker-compose.yml without Docker, over https through Caddy)", function () {
  this.timeout(60_000);
  let cli: ChildProcess | undefined;
  let cliOutput = "";
  let stack: Stack | undefined;
  let agent: Browser | undefined;
  let trustBefore: string[] = [];
  const dir = () => path.join(testServices.tmpDir, "stack");
  const started = (): Stack => {
    if (!stack) throw new Error("the stack did not start");
    return stack;
  };
  const loggedIn = (): Browser => {
    if (!agent) throw new Error("the agent did not log in");
    return agent;
  };
  /** How the stack's own commands (docs/operations/stack.md) run: from the project, on this test's stack. */
  const onThisStack = () => ({
    env: { ...process.env } as Record<string, string>,
    cwd: PROJECT_ROOT,
    append: ["--dir", dir()],
  });

  before(async function () {
    // A build of dist/ when a source changed, Postgres's initdb, the seed, the Metabase bootstrap and apply.
    this.timeout(600_000);
    const [command, ...args] = docCommand("docs/operations/stack.md", "npm run stack").split(" ");
    // The gateway site on N, Metabase on N+1, the provider on N+2 (npm run stack --port N).
    const port = await freePortRun(3);
    // In the foreground, as a person runs it, in its own process group (which a terminal's Ctrl-C signals).
    cli = spawn(command!, [...args, "--", "--dir", dir(), "--port", String(port), "--seed-scale", "0.05"], {
      cwd: PROJECT_ROOT,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    cli.stdout?.on("data", (chunk: Buffer) => void (cliOutput += chunk.toString("utf8")));
    cli.stderr?.on("data", (chunk: Buffer) => void (cliOutput += chunk.toString("utf8")));
    const exited = new Promise((resolve) => cli?.once("exit", resolve));
    while (!cliOutput.includes("Ctrl-C arrête tout.")) {
      const ended = await Promise.race([exited.then(() => true), sleep(250).then(() => false)]);
      if (ended) throw new Error(`npm run stack ended before it was ready:\n${cliOutput}`);
    }
    stack = attachStack(dir());
    // This process trusts Caddy's CA as the gateways do (NODE_EXTRA_CA_CERTS), for its own requests.
    trustBefore = tls.getCACertificates("default");
    tls.setDefaultCACertificates([...trustBefore, fs.readFileSync(stack.caCertFile, "utf8")]);
  });

  after(async function () {
    this.timeout(120_000);
    if (trustBefore.length > 0) tls.setDefaultCACertificates(trustBefore);
    const processes = stack?.processes() ?? [];
    if (cli?.pid !== undefined && cli.exitCode === null) {
      // Ctrl-C: the CLI stops every service, those this test restarted included. (Its output ends when
      // the last process holding it, the stack's own node, has exited: npm may return first.)
      const exited = new Promise((resolve) => cli?.once("close", resolve));
      process.kill(-cli.pid, "SIGINT");
      await exited;
    }
    assert.match(cliOutput, /stack: arrêtée\n/);
    assert.deepEqual(
      processes.filter((p) => p.running).map((p) => p.name),
      [],
      "every process of the stack stopped",
    );
    // Nothing left for scripts/test-services.sh to kill when `npm test` ends.
    assert.deepEqual(
      fs.readdirSync(testServices.tmpDir).filter((file) => file.startsWith("stack-")),
      [],
    );
  });

  it("prints the address and the demo accounts, and runs every long-running service of the compose file", async () => {
    const { urls, ports } = started();
    assert.match(
      cliOutput,
      new RegExp(`Pilotage de l'inclusion, pile de production locale : ${urls.gateway}\n`),
    );
    for (const email of [
      "agent.ddets93@demo.pilotage.test",
      "admin@demo.pilotage.test",
      "inconnu@demo.pilotage.test",
    ]) {
      assert.match(cliOutput, new RegExp(`\n  ${email.replace(/\./g, "\\.")} `));
    }
    assert.deepEqual(
      started()
        .processes()
        .map((p) => p.name)
        .sort(),
      ["caddy", "demo-idp", "gateway-1", "gateway-2", "metabase", "postgres", "redis"],
    );
    for (const replica of ["gateway-1", "gateway-2"]) {
      assert.equal((await fetch(`http://127.0.0.1:${ports[replica]}/readyz`)).status, 200, replica);
    }
  });

  it("serves the gateway, Metabase and the demo provider over https, under Caddy's own CA only", async () => {
    const { urls } = started();
    assert.deepEqual(await (await fetch(`${urls.gateway}/healthz`)).json(), { status: "ok" });
    assert.equal((await fetch(`${urls.metabase}/api/health`)).status, 200);
    const discovery = (await (
      await fetch(`${urls.proconnectIssuer}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
      authorization_endpoint: string;
    };
    assert.equal(discovery.issuer, urls.proconnectIssuer);
    assert.ok(discovery.authorization_endpoint.startsWith(`${urls.proconnectIssuer}/`));
    // Real TLS: a client that trusts only the system's authorities refuses every site.
    for (const url of [urls.gateway, urls.metabase, urls.proconnectIssuer]) {
      assert.equal(await getWithSystemTrustOnly(`${url}/`), "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    }
  });

  it("gives the gateway's reader entrepot and annuaire, Metabase's reader entrepot only, and neither may write", async () => {
    const { operatorEnv, ports } = started();
    const connect = async (user: string, password: string, database = "warehouse") => {
      const client = new pg.Client({ host: "127.0.0.1", port: ports.postgres, user, password, database });
      await client.connect();
      return client;
    };
    const refused = (code: string) => (error: { code?: string }) => error.code === code;
    const owner = await connect("warehouse", operatorEnv.WAREHOUSE_DB_PASSWORD!);
    const gateway = await connect("gateway_reader", operatorEnv.GATEWAY_READER_PASSWORD!);
    const metabase = await connect("metabase_reader", operatorEnv.METABASE_READER_PASSWORD!);
    try {
      // Whoever loads creates the members' schema: the readers' grants follow, as after a re-seed.
      await owner.query("CREATE SCHEMA IF NOT EXISTS annuaire");
      await owner.query("DROP TABLE IF EXISTS annuaire.essai_droits, entrepot.essai_droits");
      await owner.query("CREATE TABLE annuaire.essai_droits AS SELECT 'personne'::text AS nom");
      await owner.query("CREATE TABLE entrepot.essai_droits AS SELECT 1 AS n");

      const structures = "SELECT count(*)::int AS n FROM entrepot.structures";
      assert.ok(((await gateway.query(structures)).rows[0] as { n: number }).n > 0);
      assert.ok(((await metabase.query(structures)).rows[0] as { n: number }).n > 0);
      assert.deepEqual((await gateway.query("SELECT nom FROM annuaire.essai_droits")).rows, [
        { nom: "personne" },
      ]);
      assert.deepEqual((await metabase.query("SELECT n FROM entrepot.essai_droits")).rows, [{ n: 1 }]);
      await assert.rejects(metabase.query("SELECT nom FROM annuaire.essai_droits"), refused("42501"));
      for (const reader of [gateway, metabase]) {
        await assert.rejects(reader.query("INSERT INTO entrepot.essai_droits VALUES (2)"), refused("42501"));
        await assert.rejects(reader.query("CREATE TABLE entrepot.autre (n int)"), refused("42501"));
      }
      // Neither reader may even connect to the gateway's own database; passwords are required over TCP.
      await assert.rejects(
        connect("metabase_reader", operatorEnv.METABASE_READER_PASSWORD!, "gateway"),
        refused("42501"),
      );
      await assert.rejects(connect("gateway", "not-the-password", "gateway"), refused("28P01"));
    } finally {
      await owner.query("DROP TABLE IF EXISTS annuaire.essai_droits, entrepot.essai_droits").catch(() => {});
      await Promise.all([owner.end(), gateway.end(), metabase.end()]);
    }
  });

  it("runs deploy/init.sh again as a second `docker compose up` does: data kept, Metabase only checked, nothing to apply", async function () {
    this.timeout(180_000);
    const log = started().logFile("init");
    const before = fs.readFileSync(log, "utf8").length;
    await started().start("init");
    const second = fs.readFileSync(log, "utf8").slice(before);
    assert.match(
      second,
      /^init: migrations of the gateway database\n[^]*à jour : \d+ migrations déjà appliquées\.$/m,
    );
    assert.match(second, /^Entrepôt déjà rempli \(Postgres [^)]+\), version [^ ]+ : inchangé\.$/m);
    assert.match(second, /: Metabase installé par cette commande : seul ce qui manque est recréé\.$/m);
    assert.match(second, /^Aucun secret créé ; /m);
    assert.match(
      second,
      /^Aucun changement à écrire\. \d+ tableaux de bord vérifiés \(verrous relus dans Metabase\)\.$/m,
    );
    assert.match(second, /\ninit: done\n$/);
  });

  describe("a session over https, through the soak's faults", () => {
    before(async () => {
      agent = await loginAs(started().urls.gateway, DDETS_AGENT.email);
    });

    it("logs a DDETS agent in through the demo provider behind Caddy, with a Secure session cookie", async () => {
      const me = await meAfterFault(loggedIn(), started().urls.gateway, "nothing");
      assert.deepEqual(
        {
          email: me.email,
          kind: me.profile?.kind,
          departements: me.profile?.perimeter.departements.map((d) => d.code),
        },
        { email: DDETS_AGENT.email, kind: "ddets", departements: ["93"] },
      );
      const cookie = loggedIn().jar.get(SESSION_COOKIE);
      assert.deepEqual(
        { secure: cookie?.secure, httpOnly: cookie?.httpOnly, host: cookie?.host },
        { secure: true, httpOnly: true, host: "localhost" },
      );
    });

    it("keeps the session across a Redis restart (append-only file)", async () => {
      await runDocCommand("docs/operations/stack.md", "npm run stack -- restart redis", onThisStack());
      assert.equal(
        (await meAfterFault(loggedIn(), started().urls.gateway, "Redis's restart")).email,
        DDETS_AGENT.email,
      );
    });

    it("keeps answering through Caddy while a replica is killed, and takes it back", async () => {
      await runDocCommand("docs/operations/stack.md", "npm run stack -- kill gateway-1", onThisStack());
      assert.equal(
        started()
          .processes()
          .some((p) => p.name === "gateway-1"),
        false,
      );
      await assert.rejects(fetch(`http://127.0.0.1:${started().ports["gateway-1"]}/healthz`));
      for (let i = 0; i < 6; i++) {
        assert.equal(
          (await meAfterFault(loggedIn(), started().urls.gateway, "a replica's death")).email,
          DDETS_AGENT.email,
        );
      }
      await runDocCommand("docs/operations/stack.md", "npm run stack -- start gateway-1", onThisStack());
      assert.equal((await fetch(`http://127.0.0.1:${started().ports["gateway-1"]}/readyz`)).status, 200);
      // Taken back: Caddy sends it requests again once its health check passes and the 10 s of its
      // failures (fail_duration) are over — not at once, and the tests after this one count on it.
      const { METRICS_PORT } = started().environment("gateway-1");
      for (let tries = 0; ; tries++) {
        await meAfterFault(loggedIn(), started().urls.gateway, "a replica's return");
        const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
        if (
          /^pilotage_http_request_duration_seconds_count\{route="\/api\/me",method="GET",status="200"\} \d+$/m.test(
            metrics,
          )
        )
          break;
        assert.ok(tries < 60, "Caddy sent the restarted replica no request in 30 s");
        await sleep(500);
      }
    });

    it("is ready again after a Postgres restart", async function () {
      this.timeout(120_000);
      await started().restartPostgres();
      assert.equal(
        (await meAfterFault(loggedIn(), started().urls.gateway, "Postgres's restart")).email,
        DDETS_AGENT.email,
      );
    });
  });

  const context = (): StackTestContext => ({ stack: started(), agent: loggedIn });
  stackJourney(context);
  operatorDocsOnStack(context);
  // Last: its traffic fills the audit log the operator documentation's commands read.
  soakOnStack(context);
});
