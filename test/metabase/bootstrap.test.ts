import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import pg from "pg";
import {
  anchorDashboard,
  cutoffDay,
  dashboardCardParameters,
  renderQuestion,
  type Catalog,
} from "../../src/catalog/index.js";
import { runCli } from "../../src/cli/run.js";
import { readStoredObjects } from "../../src/metabase/object-map.js";
import type { Database } from "../../src/storage/database.js";
import { inFilteredWarehouse, type PerimeterFilter } from "../../src/warehouse/filtered-copy.js";
import { readLoadMarker } from "../../src/warehouse/load-marker.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { documentedAccess, documentedProfile } from "../support/demo-profiles.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";
import { decodeJwt } from "../support/jwt.js";
import { loginAs } from "../support/login.js";
import {
  createFreshMetabaseTestServer,
  type FreshMetabaseTestServer,
} from "../support/metabase-server/fresh.js";
import { createMetabaseTestServer } from "../support/metabase-server/index.js";
import { PINNED_VERSIONS } from "../support/metabase-server/version.js";
import { createTestDatabase, testServices } from "../support/services.js";
import { openTestWarehouse } from "../support/warehouse-database.js";
import { startMetabaseProxy } from "./metabase-proxy.js";

/**
 * Issue 18: `pilotage metabase bootstrap` on a Metabase that just started (the test server emptied to that
 * state, its setup endpoints written from Metabase's source), then `pilotage apply` with what the bootstrap
 * stored, then a demo account's dashboards embedded end to end; a second bootstrap writes nothing; no
 * secret ever reaches the output. Metabase connects to the warehouse with a role of its own, granted
 * `entrepot` only, and the bootstrap refuses one that could read `annuaire`.
 */

const AGENT = "agent.ddets93@demo.pilotage.test";

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], env: Record<string, string>): Promise<Captured> {
  const captured = { out: "", err: "" };
  const code = await runCli(args, {
    env: { LOG_LEVEL: "silent", ...env },
    stdout: (text) => void (captured.out += text),
    stderr: (text) => void (captured.err += text),
  });
  return { code, ...captured };
}

/** A login role on the test Postgres, granted what the SQL says; dropped by `drop`. */
async function createRole(database: string, grants: (role: string) => string[]) {
  const role = `mb_lecture_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const admin = new pg.Client({ connectionString: `${testServices.postgresUrl}/${database}` });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    for (const statement of grants(role)) await admin.query(statement);
  } finally {
    await admin.end();
  }
  const url = new URL(`${testServices.postgresUrl}/${database}`);
  url.username = role;
  url.password = password;
  return {
    role,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: `${testServices.postgresUrl}/${database}` });
      await client.connect();
      try {
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`DROP ROLE ${role}`);
      } finally {
        await client.end();
      }
    },
  };
}

const readerGrants = (role: string) => [
  `GRANT USAGE ON SCHEMA entrepot TO ${role}`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA entrepot TO ${role}`,
];

function canonicalRows(rows: unknown[][]): string[] {
  const canonical = (v: unknown) => {
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    return v;
  };
  return rows.map((row) => JSON.stringify(row.map(canonical))).sort();
}

describe("pilotage metabase bootstrap (issue 18)", function () {
  this.timeout(180_000);
  let warehouse: Database;
  let tmp: string;
  const warehouseName = () => new URL(testServices.warehouseUrl).pathname.slice(1);

  before(async () => {
    warehouse = await openTestWarehouse();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-bootstrap-"));
  });

  after(async () => {
    await warehouse?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  // The endpoints differ by version (the embedding toggle's name, from v51): the whole journey runs on each
  // version the contract suite pins.
  for (const version of PINNED_VERSIONS) {
    const toggle = version === "v0.50.3" ? "enable-embedding" : "enable-embedding-static";
    describe(`on a fresh Metabase (${version})`, () => {
      let metabase: FreshMetabaseTestServer;
      let reader: Awaited<ReturnType<typeof createRole>>;
      let gateway: MigratedGateway;
      let gatewayDb: Database;
      let stack: LoginStack | undefined;
      let catalog: Catalog;
      const secretsFile = () => path.join(tmp, version, "metabase.env");
      const env = () => ({
        METABASE_INTERNAL_URL: metabase.url,
        METABASE_ADMIN_EMAIL: "data@pilotage.test",
        METABASE_WAREHOUSE_URL: reader.url,
        DATABASE_URL: gateway.url,
      });

      before(async () => {
        catalog = (await testContent()).catalog;
        metabase = await createFreshMetabaseTestServer({
          version,
          warehouse,
          warehouseScope: { schemas: ["entrepot"] },
        });
        reader = await createRole(warehouseName(), readerGrants);
        gateway = await openMigratedGateway("boot_gw");
        gatewayDb = gateway.db;
      });

      after(async () => {
        await stack?.close();
        await metabase?.close();
        await gatewayDb?.close();
        await gateway?.drop();
        await reader?.drop();
      });

      it("sets Metabase up, then apply and the embedded dashboards work with what it stored; a second run writes nothing", async () => {
        // 1. The bootstrap, on a Metabase nobody set up.
        const first = await cli(["metabase", "bootstrap", "--secrets-file", secretsFile()], env());
        assert.equal(first.code, 0, first.err + first.out);
        assert.deepEqual(
          metabase.writes.map((w) => `${w.method} ${w.path} ${w.status}`),
          [
            "POST /api/setup 200",
            "POST /api/database 200",
            "PUT /api/setting/embedding-secret-key 204",
            `PUT /api/setting/${toggle} 204`,
            "PUT /api/setting/custom-formatting 204",
            "POST /api/api-key 200",
          ],
        );
        const stat = await fs.stat(secretsFile());
        assert.equal(stat.mode & 0o777, 0o600, "the secrets file is readable by its owner only");
        const secrets = parseEnv(await fs.readFile(secretsFile(), "utf8"));
        assert.deepEqual(Object.keys(secrets).sort(), [
          "METABASE_ADMIN_EMAIL",
          "METABASE_ADMIN_PASSWORD",
          "METABASE_API_KEY",
          "METABASE_EMBEDDING_SECRET_KEY",
        ]);
        assert.equal(secrets.METABASE_EMBEDDING_SECRET_KEY, metabase.embeddingSecretKey);
        assert.equal(
          first.out,
          [
            `Metabase ${metabase.url} (${version}) : installation d'un Metabase neuf.`,
            "  + administrateur : créé — data@pilotage.test, mot de passe dans les secrets",
            `  + base « Entrepôt Pilotage » : ajoutée — #2, rôle ${reader.role}, schéma entrepot`,
            "  + clé d'intégration : réglée — tirée au hasard, dans les secrets",
            `  + intégration statique : activée — ${toggle}`,
            "  + format des nombres : réglé — 1 234,5",
            "  + clé API de synchronisation : créée — « Pilotage (synchronisation) », groupe Administrators",
            `Secrets écrits dans ${secretsFile()} (mode 0600) : METABASE_ADMIN_PASSWORD, METABASE_EMBEDDING_SECRET_KEY, METABASE_API_KEY.`,
            "Chargez ce fichier pour `pilotage apply` et pour la passerelle (il contient METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD, METABASE_API_KEY, METABASE_EMBEDDING_SECRET_KEY).",
            "Metabase est prêt : lancez `pilotage apply`.",
            "",
          ].join("\n"),
        );
        const printed = first.out + first.err;
        for (const name of ["METABASE_ADMIN_PASSWORD", "METABASE_API_KEY", "METABASE_EMBEDDING_SECRET_KEY"]) {
          assert.ok(!printed.includes(secrets[name]!), `${name}'s value is never printed`);
        }
        assert.ok(!printed.includes(new URL(reader.url).password), "the role's password is never printed");

        // 2. apply, with the stored API key only.
        const applied = await cli(["apply"], {
          METABASE_INTERNAL_URL: metabase.url,
          DATABASE_URL: gateway.url,
          METABASE_API_KEY: secrets.METABASE_API_KEY!,
        });
        assert.equal(applied.code, 0, applied.err);
        assert.match(applied.out, /tableaux de bord vérifiés \(verrous relus dans Metabase\)\.\n$/);

        // 3. A demo account's dashboards, embedded with the stored secret, answer only its perimeter's rows.
        // The browser's address of Metabase is not one this server can reach, as behind compose: frames
        // and the CSP name it, the health probe goes to the internal one (the pages embed, so it answered).
        const browserUrl = "http://metabase.invalid:3001";
        stack = await startLoginStack({
          env: {
            METABASE_SITE_URL: browserUrl,
            METABASE_INTERNAL_URL: metabase.url,
            METABASE_EMBEDDING_SECRET_KEY: secrets.METABASE_EMBEDDING_SECRET_KEY!,
          },
          db: gatewayDb,
        });
        const browser = await loginAs(stack.baseUrl, AGENT);
        const page = await browser.request(
          `${stack.baseUrl}/tableaux-de-bord/${catalog.dashboards.find((d) => documentedAccess(documentedProfile(AGENT)!, d).allowed)!.key}`,
        );
        assert.equal(page.status, 200);
        assert.match(
          page.headers.get("content-security-policy") ?? "",
          /frame-src http:\/\/metabase\.invalid:3001;/,
        );
        assert.match(
          await page.text(),
          /<iframe class="pilotage-integration" data-embed-frame\n {2}src="http:\/\/metabase\.invalid:3001\/embed\/dashboard\//,
        );
        const documented = documentedProfile(AGENT)!;
        const cardKeys = new Map(
          (await readStoredObjects(gatewayDb))
            .filter((o) => o.model === "card")
            .map((o) => [o.metabaseId, o.key]),
        );
        // The frame starts on the dashboard's defaults, relative periods counted from the data's cut-off.
        const cutoff = cutoffDay((await readLoadMarker(warehouse))?.cutoffDate)!;
        let cards = 0;
        for (const dashboard of catalog.dashboards) {
          const access = documentedAccess(documented, dashboard);
          if (!access.allowed) continue;
          const res = await browser.request(`${stack.baseUrl}/api/dashboards/${dashboard.key}/embed`);
          assert.equal(res.status, 200, dashboard.key);
          const frame = new URL(((await res.json()) as { url: string }).url);
          assert.equal(frame.origin, browserUrl);
          const token = frame.pathname.split("/").at(-1)!;
          assert.deepEqual(decodeJwt(token).payload.params, access.locks, dashboard.key);
          const shown = await fetch(`${metabase.url}/api/embed/dashboard/${token}`);
          assert.equal(shown.status, 200, `${dashboard.key}: ${await shown.clone().text()}`);
          const { dashcards } = (await shown.json()) as { dashcards: Array<{ id: number; card_id: number }> };
          const filters: PerimeterFilter[] = dashboard.parameters
            .filter((p) => p.locked)
            .map((p) => ({ attribute: p.locked!, values: [access.locks[p.slug]!].flat() }));
          for (const dashcard of dashcards) {
            const question = catalog.questions.find((q) => q.key === cardKeys.get(dashcard.card_id))!;
            const card = dashboard.cards.find((c) => c.question === question.key)!;
            const answer = await fetch(
              `${metabase.url}/api/embed/dashboard/${token}/dashcard/${dashcard.id}/card/${dashcard.card_id}${frame.search}`,
            );
            const body = (await answer.json()) as {
              status?: string;
              error?: string;
              data?: { rows: unknown[][] };
            };
            assert.equal(body.status, "completed", `${dashboard.key} ${question.key}: ${body.error}`);
            const rendered = renderQuestion(
              question,
              dashboardCardParameters(anchorDashboard(dashboard, cutoff), card, question, access.locks),
            );
            const expected = await inFilteredWarehouse(warehouse, filters, 20_000, async (tx) => {
              const { rows, fields } = await tx.query(rendered.sql, rendered.values);
              return rows.map((row) => (fields ?? []).map((f) => row[f.name]));
            });
            assert.deepEqual(
              canonicalRows(body.data!.rows),
              canonicalRows(expected),
              `${dashboard.key} ${question.key}`,
            );
            cards++;
          }
        }
        assert.ok(cards >= 10, `${cards} dashcards checked`);

        // 4. A second bootstrap checks what exists (the stored key still works) and writes nothing.
        const writesBefore = metabase.writes.length;
        const second = await cli(["metabase", "bootstrap", "--secrets-file", secretsFile()], env());
        assert.equal(second.code, 0, second.err + second.out);
        assert.deepEqual(metabase.writes.slice(writesBefore), [], "no write on the second run");
        assert.equal(
          second.out,
          [
            `Metabase ${metabase.url} (${version}) : Metabase installé par cette commande : seul ce qui manque est recréé.`,
            "  ✓ administrateur : présent — connecté avec la clé API des secrets",
            "  ✓ base « Entrepôt Pilotage » : présente — #2",
            "  ✓ clé d'intégration : présente — celle de la passerelle",
            `  ✓ intégration statique : activée — ${toggle}`,
            "  ✓ format des nombres : réglé — 1 234,5",
            "  ✓ clé API de synchronisation : présente — celle des secrets",
            `Aucun secret créé ; ${secretsFile()} garde METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD, METABASE_API_KEY, METABASE_EMBEDDING_SECRET_KEY.`,
            "Metabase est prêt : lancez `pilotage apply`.",
            "",
          ].join("\n"),
        );
        assert.deepEqual(
          parseEnv(await fs.readFile(secretsFile(), "utf8")),
          secrets,
          "the secrets file is unchanged",
        );
      });
    });

    it(`only checks and reports on a Metabase set up by hand, and writes nothing there (${version})`, async () => {
      const metabase = await createMetabaseTestServer({
        version,
        warehouse,
        warehouseScope: { schemas: ["entrepot"] },
      });
      try {
        const result = await cli(["metabase", "bootstrap", "--secrets-file", path.join(tmp, "none.env")], {
          METABASE_INTERNAL_URL: metabase.url,
          METABASE_API_KEY: metabase.adminApiKey,
        });
        assert.equal(result.code, 1, result.err);
        assert.equal(
          result.out,
          [
            `Metabase ${metabase.url} (${version}) : Metabase installé à la main : vérification seulement, rien n'est écrit.`,
            "  ✓ administrateur : présent — connecté avec METABASE_API_KEY",
            "  ✓ base « Entrepôt Pilotage » : présente — #2",
            "  ✗ clé d'intégration : à régler — inconnue de la passerelle : copiez celle de Metabase (Admin > Intégration > Intégration statique) dans METABASE_EMBEDDING_SECRET_KEY",
            `  ✓ intégration statique : activée — ${toggle}`,
            "  ✗ format des nombres : à régler — choisissez « 100 000,00 » dans Admin > Paramètres > Localisation (séparateurs des nombres)",
            "  ✓ clé API de synchronisation : présente — METABASE_API_KEY",
            "2 éléments manquent : faites ce qui est indiqué, puis relancez `pilotage metabase bootstrap`.",
            "",
          ].join("\n"),
        );
        assert.ok(!result.out.includes(metabase.adminApiKey));
        const writes = (await import("../support/metabase-server/setup-routes.js")).setupStateOf(
          metabase.state,
        ).writes;
        assert.deepEqual(writes, []);
        await assert.rejects(fs.stat(path.join(tmp, "none.env")), { code: "ENOENT" });
      } finally {
        await metabase.close();
      }
    });
  }

  it("gives up on a Metabase that never answers within METABASE_TIMEOUT_SECONDS, with exit 4", async () => {
    // Accepts connections and never answers, as a Metabase stuck in its start-up would.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const started = Date.now();
    try {
      const stuck = await cli(["metabase", "bootstrap", "--secrets-file", path.join(tmp, "stuck.env")], {
        METABASE_INTERNAL_URL: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
        METABASE_TIMEOUT_SECONDS: "1",
      });
      assert.equal(stuck.code, 4, stuck.err);
      assert.match(
        stuck.err,
        /^Metabase ne répond pas\. Vérifiez METABASE_INTERNAL_URL \(ou METABASE_SITE_URL\), que Metabase est démarré et joignable depuis cette machine, puis relancez\./,
      );
      // One GET and its two retries of a second each, not the 30 s default three times over.
      assert.ok(Date.now() - started < 20_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("refuses a Metabase older than the tested range before writing anything, as the sync does", async () => {
    const metabase = await createFreshMetabaseTestServer({ warehouse });
    const proxy = await startMetabaseProxy(metabase);
    proxy.tamper = (request, body) =>
      request.path === "/api/session/properties"
        ? { ...(body as object), version: { tag: "v0.49.14" } }
        : body;
    try {
      const old = await cli(["metabase", "bootstrap", "--secrets-file", path.join(tmp, "old.env")], {
        METABASE_INTERNAL_URL: proxy.url,
        METABASE_ADMIN_EMAIL: "data@pilotage.test",
        METABASE_WAREHOUSE_URL: "postgres://nobody:x@127.0.0.1:1/none",
      });
      assert.equal(old.code, 1, old.err);
      assert.equal(
        old.err,
        "Metabase v0.49.14 est trop ancien : la synchronisation demande la version 0.50 ou plus récente (versions vérifiées : 0.50.3, 0.53.9 et 0.57.2). Mettez Metabase à jour.\n",
      );
      assert.deepEqual(
        proxy.requests.map((r) => `${r.method} ${r.path}`),
        ["GET /api/session/properties"],
      );
      assert.deepEqual(metabase.writes, []);
      await assert.rejects(fs.stat(path.join(tmp, "old.env")), { code: "ENOENT" });
    } finally {
      await proxy.close();
      await metabase.close();
    }
  });

  it("refuses, before writing anything, a Metabase role that can read annuaire, and says what is missing", async () => {
    const db = await createTestDatabase("boot_role");
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query("CREATE SCHEMA entrepot; CREATE TABLE entrepot.t (x int); CREATE SCHEMA annuaire");
    await admin.end();
    const leaky = await createRole(new URL(db.url).pathname.slice(1), (role) => [
      ...readerGrants(role),
      `GRANT USAGE ON SCHEMA annuaire TO ${role}`,
    ]);
    const metabase = await createFreshMetabaseTestServer({ warehouse });
    try {
      const missing = await cli(["metabase", "bootstrap", "--secrets-file", path.join(tmp, "refused.env")], {
        METABASE_INTERNAL_URL: metabase.url,
      });
      assert.equal(missing.code, 3);
      assert.equal(
        missing.err,
        [
          "Configuration invalide :",
          "  - METABASE_ADMIN_EMAIL : requise pour installer un Metabase neuf (l'adresse de son premier administrateur)",
          "  - METABASE_WAREHOUSE_URL : requise pour installer un Metabase neuf (l'entrepôt tel que Metabase le joint, avec son rôle en lecture seule)",
          "Corrigez ces variables (voir .env.example) puis relancez.",
          "",
        ].join("\n"),
      );
      const refused = await cli(["metabase", "bootstrap", "--secrets-file", path.join(tmp, "refused.env")], {
        METABASE_INTERNAL_URL: metabase.url,
        METABASE_ADMIN_EMAIL: "data@pilotage.test",
        METABASE_WAREHOUSE_URL: leaky.url,
      });
      assert.equal(refused.code, 1);
      assert.equal(
        refused.err,
        [
          `Le rôle ${leaky.role} de METABASE_WAREHOUSE_URL ne convient pas à Metabase : rien n'est installé.`,
          `  - ${leaky.role} peut entrer dans le schéma annuaire (données personnelles, jamais pour Metabase) : REVOKE ALL ON SCHEMA annuaire FROM ${leaky.role}, PUBLIC;`,
          "",
        ].join("\n"),
      );
      assert.deepEqual(metabase.writes, []);
      await assert.rejects(fs.stat(path.join(tmp, "refused.env")), { code: "ENOENT" });
    } finally {
      await metabase.close();
      await leaky.drop();
      await db.drop();
    }
  });
});
