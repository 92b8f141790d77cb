import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import tls from "node:tls";
import pg from "pg";
import { freePort } from "../../scripts/stack/processes.js";
import { attachStack, type Stack } from "../../scripts/stack/stack.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { loadConfig } from "../../src/config.js";
import { DDETS_AGENT, DDETS_DASHBOARD } from "../browser/journeys/ddets-agent.js";
import { launchChromium, type LaunchedChromium } from "../browser/support/chromium.js";
import { loginWithDemoProvider, logoutThroughProvider } from "../browser/support/demo-login.js";
import { serveMetabaseEmbedFrontend } from "../browser/support/metabase-embed-frontend.js";
import { writeAccessibilityReport } from "../browser/support/page-checks.js";
import { openJourney } from "../browser/support/session.js";
import { docCommand } from "../support/doc-commands.js";
import { loginAs, type Browser } from "../support/login.js";
import { testServices } from "../support/services.js";
import { frameTokenOf, getWithSystemTrustOnly, meAfterFault, runDocCommand, sleep } from "./support.js";

/**
 * `npm run stack` started for real, as docs/operations/stack.md gives it: docker-compose.yml's services
 * as processes (Caddy, two compiled gateways, the demo provider, the Metabase test server, Redis, Postgres,
 * the init script), reached over https through Caddy with its own CA — which this process and Chromium
 * trust, nothing being ignored. Once per run (it costs a build, a seed and a bootstrap): the roles'
 * grants, a session through the soak's faults, the one browser journey, and the operator documentation's
 * commands run on it.
 */
const SESSION_COOKIE = "pilotage.sid";

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
    const port = await freePort();
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

  describe("in Chromium, trusting Caddy's CA", () => {
    let chromium: LaunchedChromium | undefined;
    before(async function () {
      this.timeout(120_000);
      chromium = await launchChromium({ trustCertificates: [started().caCertFile] });
    });
    after(async function () {
      this.timeout(60_000);
      await writeAccessibilityReport();
      await chromium?.close();
    });

    it("a DDETS agent logs in over https, sees a dashboard framed from Metabase through Caddy, logs out", async () => {
      const { urls } = started();
      if (!chromium) throw new Error("Chromium did not start");
      const { page, context, recorder, close } = await openJourney(
        { browser: chromium.browser, baseUrl: urls.gateway },
        "Pile de production : agent DDETS en https",
      );
      try {
        const loads = await serveMetabaseEmbedFrontend(context, { url: urls.metabase });
        await page.goto("/");
        await recorder.check("Accueil en https");
        await loginWithDemoProvider(page, recorder, DDETS_AGENT.email, {
          issuer: urls.proconnectIssuer,
          startAt: "/connexion",
        });
        assert.ok(page.url().startsWith(`${urls.gateway}/`), page.url());
        const [session] = (await context.cookies(urls.gateway)).filter((c) => c.name === SESSION_COOKIE);
        assert.deepEqual(
          { secure: session?.secure, httpOnly: session?.httpOnly, sameSite: session?.sameSite },
          { secure: true, httpOnly: true, sameSite: "Lax" },
        );
        await recorder.check("Tableaux de bord");

        await page.goto(`/tableaux-de-bord/${DDETS_DASHBOARD.key}`);
        const frame = page.locator("iframe[data-embed-frame]");
        assert.ok((await frame.getAttribute("src"))?.startsWith(`${urls.metabase}/embed/dashboard/`));
        const inside = page.frameLocator("iframe[data-embed-frame]").locator("h1");
        await inside.waitFor();
        assert.equal(await inside.innerText(), DDETS_DASHBOARD.title);
        // The Metabase test server, reached through Caddy, accepted the gateway's token for every card.
        assert.equal(loads.length, 1);
        assert.equal(loads[0]?.status, 200);
        assert.ok((loads[0]?.cards.length ?? 0) > 0);
        assert.deepEqual(
          loads[0]?.cards.filter((card) => card.status !== 202),
          [],
        );
        await recorder.check("Tableau de bord intégré");

        await logoutThroughProvider(page, recorder, { issuer: urls.proconnectIssuer });
        assert.ok(page.url().startsWith(`${urls.gateway}/`), page.url());
        recorder.finish();
      } finally {
        await close();
      }
    });
  });

  describe("the operator documentation's commands, on the stack", () => {
    const gatewayDatabase = () => ({ DATABASE_URL: started().environment("gateway-1").DATABASE_URL! });

    it("monitoring: /healthz and /readyz through the proxy (docs/operations/monitoring.md)", async () => {
      const env = { PUBLIC_URL: started().urls.gateway, CURL_CA_BUNDLE: started().caCertFile };
      assert.deepEqual(
        JSON.parse(
          await runDocCommand("docs/operations/monitoring.md", 'curl -fsS "$PUBLIC_URL/healthz"', { env }),
        ),
        {
          status: "ok",
        },
      );
      assert.deepEqual(
        JSON.parse(
          await runDocCommand("docs/operations/monitoring.md", 'curl -fsS "$PUBLIC_URL/readyz"', { env }),
        ),
        {
          status: "ok",
          failing: [],
          checks: { redis: "ok", database: "ok", warehouse: "ok" },
        },
      );
    });

    it("audit: the tokens issued to the agent, the day's actions, one person's rows as CSV (docs/operations/audit.md)", async () => {
      const env = gatewayDatabase();
      const tokens = await runDocCommand(
        "docs/operations/audit.md",
        'psql "$DATABASE_URL" -c "SELECT occurred_at, actor_email',
        { env },
      );
      assert.match(
        tokens,
        new RegExp(`${DDETS_AGENT.email.replace(/\./g, "\\.")} \\| ddets\\s+\\| ${DDETS_DASHBOARD.key}`),
      );
      assert.match(tokens, /\| \{"departement": \["93"\]\}\n/);
      const day = await runDocCommand(
        "docs/operations/audit.md",
        'psql "$DATABASE_URL" -c "SELECT action, count(*)',
        { env },
      );
      assert.match(day, /^ embed\.token_issued\s+\|\s+\d+$/m);
      assert.match(day, /^ placement\.decided\s+\|\s+\d+$/m);
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-audit-"));
      await runDocCommand("docs/operations/audit.md", 'psql "$DATABASE_URL" -c "\\copy', { env, cwd });
      const [header = "", ...rows] = fs
        .readFileSync(path.join(cwd, "audit.csv"), "utf8")
        .trimEnd()
        .split("\n");
      assert.match(header, /^id,occurred_at,action,actor_sub,actor_email,/);
      assert.ok(rows.length > 0);
      assert.ok(rows.every((row) => row.includes(`,${DDETS_AGENT.email},`)));
    });

    it("backup: the gateway database dumped, then restored whole into an empty one (docs/operations/backup.md)", async () => {
      const { DATABASE_URL } = gatewayDatabase();
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-backup-"));
      await runDocCommand("docs/operations/backup.md", "pg_dump", { env: { DATABASE_URL }, cwd });
      const admin = new pg.Client({
        host: "127.0.0.1",
        port: started().ports.postgres,
        user: "postgres",
        password: started().operatorEnv.POSTGRES_PASSWORD!,
        database: "postgres",
      });
      await admin.connect();
      try {
        await admin.query("DROP DATABASE IF EXISTS gateway_restored");
        await admin.query("CREATE DATABASE gateway_restored OWNER gateway");
        const restored = new URL(DATABASE_URL);
        restored.pathname = "/gateway_restored";
        await runDocCommand("docs/operations/backup.md", "pg_restore", {
          env: { DATABASE_URL: restored.href },
          cwd,
        });
        const countsOf = async (url: string) => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            const { rows } = await client.query(
              "SELECT (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM grants)::int AS grants, " +
                "(SELECT max(id) FROM audit_log)::int AS last, (SELECT count(*) FROM schema_migrations)::int AS migrations",
            );
            return rows[0] as Record<string, number>;
          } finally {
            await client.end();
          }
        };
        const [live, copy] = [await countsOf(DATABASE_URL), await countsOf(restored.href)];
        assert.ok(live.audit! > 0 && live.grants! > 0);
        // The live database may have written since the dump, never less than the copy holds.
        assert.equal(copy.migrations, live.migrations);
        assert.equal(copy.grants, live.grants);
        assert.ok(copy.audit! > 0 && copy.last! <= live.last!);
        // The restored audit log is append-only still.
        const client = new pg.Client({ connectionString: restored.href });
        await client.connect();
        await assert.rejects(client.query("DELETE FROM audit_log"), /audit_log is append-only/);
        await client.end();
      } finally {
        await admin.query("DROP DATABASE IF EXISTS gateway_restored WITH (FORCE)");
        await admin.end();
      }
    });

    it("secrets: the generated key is accepted for the session and the embedding (docs/operations/secrets.md)", async () => {
      const key = (await runDocCommand("docs/operations/secrets.md", "openssl rand -hex 32")).trim();
      assert.match(key, /^[0-9a-f]{64}$/);
      const config = loadConfig({
        SESSION_SECRET: key,
        METABASE_SITE_URL: "https://m.test",
        METABASE_EMBEDDING_SECRET_KEY: key,
      });
      assert.equal(config.metabase.embeddingSecretKey, key);
    });

    it("rotates the session key without logging the agent out (docs/operations/secrets.md)", async function () {
      this.timeout(120_000);
      const old = started().operatorEnv.SESSION_SECRET!;
      started().setOperatorEnv({ SESSION_SECRET: `${"a".repeat(64)},${old}` });
      for (const replica of ["gateway-1", "gateway-2"]) await started().restart(replica);
      assert.equal(
        (await meAfterFault(loggedIn(), started().urls.gateway, "the rotation")).email,
        DDETS_AGENT.email,
      );
    });

    it("rotates the embedding key: Metabase refuses the old frames at once, accepts the restarted gateways' (docs/operations/secrets.md)", async function () {
      this.timeout(120_000);
      const { urls } = started();
      const embed = (token: string) => fetch(`${urls.metabase}/api/embed/dashboard/${token}`);
      const before = await frameTokenOf(loggedIn(), urls.gateway, DDETS_DASHBOARD.key);
      assert.equal((await embed(before)).status, 200);

      const secretsFile = started().environment("init").METABASE_SECRETS_FILE!;
      const { METABASE_API_KEY } = parseEnv(fs.readFileSync(secretsFile, "utf8"));
      const NEW_KEY = "b".repeat(64);
      await runDocCommand("docs/operations/secrets.md", "curl -fsS -X PUT", {
        env: {
          METABASE_API_KEY: METABASE_API_KEY ?? "",
          METABASE_INTERNAL_URL: `http://127.0.0.1:${started().ports.metabase}`,
          NEW_KEY,
        },
      });
      const refused = await embed(before);
      assert.equal(refused.status, 400);
      assert.equal(await refused.text(), "Message seems corrupt or manipulated");

      started().setOperatorEnv({ METABASE_EMBEDDING_SECRET_KEY: NEW_KEY });
      for (const replica of ["gateway-1", "gateway-2"]) await started().restart(replica);
      const after = await frameTokenOf(loggedIn(), urls.gateway, DDETS_DASHBOARD.key);
      assert.equal((await embed(after)).status, 200);
    });
  });
});
