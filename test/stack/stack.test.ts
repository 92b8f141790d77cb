import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import tls from "node:tls";
import pg from "pg";
import { startStack, type Stack } from "../../scripts/stack/stack.js";
import { launchChromium, type LaunchedChromium } from "../browser/support/chromium.js";
import { loginWithDemoProvider, logoutThroughProvider } from "../browser/support/demo-login.js";
import { serveMetabaseEmbedFrontend } from "../browser/support/metabase-embed-frontend.js";
import { writeAccessibilityReport } from "../browser/support/page-checks.js";
import { openJourney } from "../browser/support/session.js";
import { DDETS_AGENT, DDETS_DASHBOARD } from "../browser/journeys/ddets-agent.js";
import { loginAs, type Browser } from "../support/login.js";
import { testServices } from "../support/services.js";

/**
 * `npm run stack` started for real: docker-compose.yml's services as processes (Caddy, two compiled
 * gateways, the demo provider, the Metabase test server, Redis, Postgres, the init script), reached over
 * https through Caddy with its own CA — which this process and Chromium trust, nothing being ignored.
 * Once per run (it costs a build, a seed and a bootstrap): one login over https, the roles' grants, the
 * soak's faults, and the one browser journey through the stack.
 */
const SESSION_COOKIE = "pilotage.sid";

interface Me {
  email: string;
  profile: { kind: string; perimeter: { departements: { code: string }[] } } | null;
}

/** A GET with no trust beyond the system's: Caddy's local CA must be refused. */
function getWithSystemTrustOnly(url: string): Promise<string> {
  return new Promise((resolve) => {
    https
      .get(url, { ca: tls.getCACertificates("system") }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      })
      .on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("npm run stack (docker-compose.yml without Docker, over https through Caddy)", function () {
  this.timeout(60_000);
  let stack: Stack | undefined;
  let trustBefore: string[] = [];
  const started = (): Stack => {
    if (!stack) throw new Error("the stack did not start");
    return stack;
  };

  before(async function () {
    // A build of dist/ when sources changed, Postgres's initdb, the seed, the Metabase bootstrap and apply.
    this.timeout(600_000);
    stack = await startStack({
      dir: path.join(testServices.tmpDir, "stack"),
      pidDir: testServices.tmpDir,
      env: { PILOTAGE_SEED_SCALE: "0.05" },
    });
    // This process trusts Caddy's CA as the gateways do (NODE_EXTRA_CA_CERTS), for its own requests.
    trustBefore = tls.getCACertificates("default");
    tls.setDefaultCACertificates([...trustBefore, fs.readFileSync(stack.caCertFile, "utf8")]);
  });

  after(async function () {
    this.timeout(120_000);
    if (trustBefore.length > 0) tls.setDefaultCACertificates(trustBefore);
    const processes = stack?.processes() ?? [];
    await stack?.stop();
    assert.deepEqual(
      processes.filter((p) => p.running).map((p) => p.name),
      [],
      "every process of the stack stopped",
    );
  });

  it("runs every long-running service of the compose file, the two replicas on ports of their own", async () => {
    const { ports } = started();
    assert.deepEqual(
      started()
        .processes()
        .map((p) => p.name)
        .sort(),
      ["caddy", "demo-idp", "gateway-1", "gateway-2", "metabase", "postgres", "redis"],
    );
    for (const replica of ["gateway-1", "gateway-2"]) {
      const answer = await fetch(`http://127.0.0.1:${ports[replica]}/readyz`);
      assert.equal(answer.status, 200, replica);
    }
  });

  it("serves the gateway, Metabase and the demo provider over https, under Caddy's own CA only", async () => {
    const { urls } = started();
    assert.deepEqual(await (await fetch(`${urls.gateway}/healthz`)).json(), { status: "ok" });
    assert.equal((await fetch(`${urls.metabase}/api/health`)).status, 200);
    const discovery = (await (
      await fetch(`${urls.proconnectIssuer}/.well-known/openid-configuration`)
    ).json()) as { issuer: string; authorization_endpoint: string };
    assert.equal(discovery.issuer, urls.proconnectIssuer);
    assert.ok(discovery.authorization_endpoint.startsWith(`${urls.proconnectIssuer}/`));
    // Real TLS: a client that trusts only the system's authorities refuses every site.
    for (const url of [urls.gateway, urls.metabase, urls.proconnectIssuer]) {
      assert.match(await getWithSystemTrustOnly(`${url}/`), /^UNABLE_TO_GET_ISSUER_CERT_LOCALLY$/);
    }
  });

  it("gives the gateway's reader entrepot and annuaire, Metabase's reader entrepot only, and neither may write", async () => {
    const { operatorEnv, ports } = started();
    const connect = async (user: string, password: string, database = "warehouse") => {
      const client = new pg.Client({ host: "127.0.0.1", port: ports.postgres, user, password, database });
      await client.connect();
      return client;
    };
    const denied = async (client: pg.Client, sql: string) => {
      await assert.rejects(client.query(sql), (error: { code?: string }) => error.code === "42501", sql);
    };
    const owner = await connect("warehouse", operatorEnv.WAREHOUSE_DB_PASSWORD!);
    const gateway = await connect("gateway_reader", operatorEnv.GATEWAY_READER_PASSWORD!);
    const metabase = await connect("metabase_reader", operatorEnv.METABASE_READER_PASSWORD!);
    try {
      // Whoever loads creates the members' schema: the readers' grants follow, as for a re-seed.
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
      await denied(metabase, "SELECT nom FROM annuaire.essai_droits");
      for (const reader of [gateway, metabase]) {
        await denied(reader, "INSERT INTO entrepot.essai_droits VALUES (2)");
        await denied(reader, "CREATE TABLE entrepot.autre (n int)");
      }
      // Neither reader may even connect to the gateway's own database.
      await assert.rejects(
        connect("metabase_reader", operatorEnv.METABASE_READER_PASSWORD!, "gateway"),
        (error: { code?: string }) => error.code === "42501",
      );
      // Passwords are required over TCP: no trust for a role without one.
      await assert.rejects(
        connect("gateway", "not-the-password", "gateway"),
        (error: { code?: string }) => error.code === "28P01",
      );
    } finally {
      await owner.query("DROP TABLE IF EXISTS annuaire.essai_droits, entrepot.essai_droits").catch(() => {});
      await Promise.all([owner.end(), gateway.end(), metabase.end()]);
    }
  });

  describe("a session over https, and the soak's faults", () => {
    let agent: Browser;
    const me = async () => {
      const answer = await agent.get(`${started().urls.gateway}/api/me`);
      assert.equal(answer.status, 200);
      return (await answer.json()) as Me;
    };

    before(async () => {
      agent = await loginAs(started().urls.gateway, DDETS_AGENT.email);
    });

    it("logs a DDETS agent in through the demo provider behind Caddy, with a Secure session cookie", async () => {
      const answer = await me();
      assert.equal(answer.email, DDETS_AGENT.email);
      assert.equal(answer.profile?.kind, "ddets");
      assert.deepEqual(
        answer.profile?.perimeter.departements.map((d) => d.code),
        ["93"],
      );
      const cookie = agent.jar.get(SESSION_COOKIE);
      assert.deepEqual(
        { secure: cookie?.secure, httpOnly: cookie?.httpOnly, host: cookie?.host },
        { secure: true, httpOnly: true, host: "localhost" },
      );
    });

    it("keeps the session across a Redis restart (append-only file)", async () => {
      await started().restartRedis();
      // The gateways reconnect within a few seconds (a request in between fails: issue 21's to answer
      // with a 503); the session itself must never be lost, which would answer 401.
      for (let tries = 0; ; tries++) {
        const answer = await agent.get(`${started().urls.gateway}/api/me`);
        assert.notEqual(answer.status, 401, "the session was lost with Redis's restart");
        if (answer.status === 200) {
          assert.equal(((await answer.json()) as Me).email, DDETS_AGENT.email);
          break;
        }
        await answer.body?.cancel();
        assert.ok(tries < 30, `still ${answer.status} after Redis's restart`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    });

    it("keeps answering through Caddy while a replica is down, and takes it back", async () => {
      await started().killGateway("gateway-1");
      for (let i = 0; i < 6; i++) assert.equal((await me()).email, DDETS_AGENT.email);
      await started().startGateway("gateway-1");
      assert.equal((await fetch(`http://127.0.0.1:${started().ports["gateway-1"]}/readyz`)).status, 200);
      for (let i = 0; i < 4; i++) assert.equal((await me()).email, DDETS_AGENT.email);
    });

    it("is ready again after a Postgres restart", async function () {
      this.timeout(120_000);
      await started().restartPostgres();
      for (let tries = 0; ; tries++) {
        const answer = await fetch(`${started().urls.gateway}/readyz`);
        if (answer.status === 200) break;
        assert.ok(tries < 60, `still ${answer.status} after the restart`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.equal((await me()).email, DDETS_AGENT.email);
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
        await page.frameLocator("iframe[data-embed-frame]").locator("h1").waitFor();
        assert.equal(
          await page.frameLocator("iframe[data-embed-frame]").locator("h1").innerText(),
          DDETS_DASHBOARD.title,
        );
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
});
