import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import pg from "pg";
import { loadConfig } from "../../src/config.js";
import { DDETS_AGENT, DDETS_DASHBOARD } from "../browser/journeys/ddets-agent.js";
import { frameTokenOf, meAfterFault, runDocCommand, type StackTestContext } from "./support.js";

/**
 * The commands of docs/operations/, run as written on the stack (test/docs/commands.test.ts checks that
 * every command of docs/ is run by a test or needs Docker): monitoring, the audit log, a backup and its
 * restore, and both secret rotations, ending with the gateways restarted on new keys.
 */
export function operatorDocsOnStack(ctx: () => StackTestContext): void {
  const started = () => ctx().stack;
  const loggedIn = () => ctx().agent();
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

    it("monitoring: each replica's metrics on its own listener, never through the proxy (docs/operations/monitoring.md)", async () => {
      // Caddy takes turns between the replicas: each answers some of these.
      for (let i = 0; i < 4; i++) await meAfterFault(loggedIn(), started().urls.gateway, "nothing");
      let issued = 0;
      for (const replica of ["gateway-1", "gateway-2"]) {
        const { METRICS_PORT, METRICS_HOST } = started().environment(replica);
        assert.equal(METRICS_HOST, "127.0.0.1");
        const metrics = await runDocCommand(
          "docs/operations/monitoring.md",
          'curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics"',
          { env: { METRICS_PORT: METRICS_PORT ?? "" } },
        );
        assert.match(
          metrics,
          /^pilotage_http_request_duration_seconds_count\{route="\/api\/me",method="GET",status="200"\} \d+$/m,
        );
        issued += Number(/^pilotage_embed_tokens_total\{outcome="issued"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
      }
      // The journey's frame token was counted by whichever replica signed it.
      assert.ok(issued >= 1, `${issued} embed tokens counted`);
      assert.notEqual(
        started().environment("gateway-1").METRICS_PORT,
        started().environment("gateway-2").METRICS_PORT,
      );
      assert.equal((await fetch(`${started().urls.gateway}/metrics`)).status, 404);
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
      // The dashboard's questions narrow by bassin (issue 19): its lock holds every bassin of the 93.
      assert.match(tokens, /\| \{"bassin": \["9302", "9301", "9303"\], "departement": \["93"\]\}\n/);
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
}
