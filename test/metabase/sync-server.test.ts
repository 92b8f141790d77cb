import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { readMarker } from "../../src/metabase/marker.js";
import { readStoredObjects, verifiedDashboardId } from "../../src/metabase/object-map.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import type { Database } from "../../src/storage/database.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";
import { createMetabaseTestServer, type MetabaseTestServer } from "../support/metabase-server/index.js";
import { PINNED_VERSIONS } from "../support/metabase-server/version.js";
import { createTestDatabase } from "../support/services.js";
import { openFreshWarehouse } from "../support/warehouse-database.js";
import { startMetabaseProxy, type MetabaseProxy } from "./metabase-proxy.js";

/**
 * `pilotage plan | apply | pull` end to end, against the Metabase test server (test/support/metabase-server/)
 * pretending to be each pinned version (v0.50.3, v0.53.9, v0.57.2), with a real Postgres for the warehouse and the gateway
 * database. Not a real Metabase: see the README, "Syncing content into Metabase".
 */
const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/sync/catalog");
const WAREHOUSE_NAME = "Entrepôt Pilotage";

const WAREHOUSE_SCHEMA = `
  CREATE SCHEMA entrepot;
  CREATE TABLE entrepot.candidatures (
    departement text, date_candidature date, origine text, type_structure text, delai_reponse_jours integer
  );
  CREATE TABLE entrepot.structures (departement text, type text);
`;

interface Captured extends CliIo {
  out: string;
  err: string;
}

for (const version of PINNED_VERSIONS) {
  describe(`pilotage plan | apply | pull against the Metabase test server (${version})`, function () {
    this.timeout(60_000);
    let gateway: MigratedGateway;
    let warehouse: Database;
    let dropWarehouse: (() => Promise<void>) | undefined;
    let db: Database;
    let server: MetabaseTestServer;
    let proxy: MetabaseProxy;
    let root: string;
    let env: Record<string, string>;

    async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
      const captured: Captured = {
        out: "",
        err: "",
        env,
        stdout: (text) => void (captured.out += text),
        stderr: (text) => void (captured.err += text),
      };
      const code = await runCli([...args, "--root", root], captured);
      // PRODUCT.md §3, invariant 7: whatever happened, the CLI never prints Metabase's keys.
      for (const secret of [captured.env?.METABASE_API_KEY, captured.env?.METABASE_EMBEDDING_SECRET_KEY]) {
        if (secret && secret.length >= 8)
          assert.ok(!`${captured.out}${captured.err}`.includes(secret), `pilotage ${args[0]} printed a key`);
      }
      return { code, out: captured.out, err: captured.err };
    }

    const cards = () => [...server.state.cards.values()];
    const dashboards = () => [...server.state.dashboards.values()];
    const managedCard = (key: string) => cards().find((c) => readMarker(c.description).key === key)!;
    const managedDashboard = (key: string) =>
      dashboards().find((d) => readMarker(d.description).key === key)!;
    const contentVersion = async (key: string) =>
      (await readStoredObjects(db)).find((o) => o.model === "dashboard" && o.key === key)!.contentVersion;

    before(async () => {
      ({ db: warehouse, drop: dropWarehouse } = await openFreshWarehouse("mbwh"));
      gateway = await openMigratedGateway("mbsync");
      db = gateway.db;
      await warehouse.exec(WAREHOUSE_SCHEMA);
      server = await createMetabaseTestServer({
        version,
        warehouse,
        warehouseName: WAREHOUSE_NAME,
        warehouseScope: { schemas: ["entrepot"] },
      });
      proxy = await startMetabaseProxy(server);
      root = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-sync-"));
      await fs.cp(FIXTURE, root, { recursive: true });
      env = {
        LOG_LEVEL: "silent",
        DATABASE_URL: gateway.url,
        METABASE_SITE_URL: proxy.url,
        METABASE_EMBEDDING_SECRET_KEY: randomBytes(32).toString("hex"),
        METABASE_API_KEY: server.adminApiKey,
        METABASE_WAREHOUSE_DATABASE: WAREHOUSE_NAME,
      };
    });

    after(async () => {
      await proxy?.close();
      await server?.close();
      await db?.close();
      await warehouse?.close();
      await gateway?.drop();
      await dropWarehouse?.();
      if (root) await fs.rm(root, { recursive: true, force: true });
    });

    it("applies the whole catalogue, then a plan finds nothing to change in a handful of list requests", async () => {
      const first = await cli("apply");
      assert.equal(first.code, 0, first.err);
      assert.equal(
        first.out,
        "Changements : 9 à créer. Appliqué. 2 tableaux de bord vérifiés (verrous relus dans Metabase).\n",
      );
      assert.match(first.err, /\[\d+\/\d+\] question iae\/candidatures-par-mois : créée \(#\d+\)/);
      assert.equal(cards().length, 4);
      assert.equal(dashboards().length, 2);

      const territoire = managedDashboard("territoire");
      assert.equal(territoire.enable_embedding, true);
      assert.deepEqual(territoire.embedding_params, { departement: "locked", periode: "enabled" });
      assert.equal(territoire.tabs.length, 0);
      assert.deepEqual(
        territoire.dashcards.map((dc) => [dc.card_id, dc.row, dc.col, dc.size_x, dc.size_y]),
        [
          [managedCard("iae/candidatures-par-mois").id, 0, 0, 16, 8],
          [managedCard("iae/delai-de-reponse").id, 0, 16, 8, 4],
        ],
      );
      assert.deepEqual(managedCard("iae/candidatures-par-mois").embedding_params, {
        departement: "locked",
        periode: "enabled",
        type_structure: "enabled",
      });
      assert.equal(
        await verifiedDashboardId(db, "territoire", await contentVersion("territoire")),
        territoire.id,
      );

      proxy.requests.length = 0;
      const plan = await cli("plan");
      assert.equal(plan.code, 0, plan.err + plan.out);
      assert.match(plan.out, /Aucun changement : Metabase est conforme aux fichiers \(9 objets gérés\)\./);
      assert.deepEqual(proxy.requests.map((r) => `${r.method} ${r.path}`).sort(), [
        "GET /api/card?f=all",
        "GET /api/card?f=archived",
        "GET /api/collection",
        "GET /api/collection?archived=true",
        "GET /api/dashboard?f=all",
        "GET /api/dashboard?f=archived",
        "GET /api/database",
        `GET /api/database/${server.warehouseDatabaseId}/metadata?include_hidden=true`,
        "GET /api/session/properties",
        `GET /api/setting/${server.features.embeddingSetting}`,
        "GET /api/user/current",
      ]);
    });

    it("changes nothing on a second apply", async () => {
      proxy.requests.length = 0;
      const again = await cli("apply");
      assert.equal(again.code, 0, again.err);
      assert.match(again.out, /^Aucun changement à écrire\. 2 tableaux de bord vérifiés/);
      assert.deepEqual(
        proxy.requests.filter((r) => r.method !== "GET"),
        [],
      );
    });

    it("shows a card edited in Metabase as drift, and pull writes it back into its file", async () => {
      const card = managedCard("iae/delai-de-reponse");
      const query = card.dataset_query as { native: { query: string } };
      const edited = query.native.query.replace("percentile_cont(0.5)", "percentile_cont(0.9)");
      server.editCard(card.id, {
        name: "Délai de réponse (9e décile)",
        dataset_query: { ...card.dataset_query, native: { ...query.native, query: edited } },
      });

      const plan = await cli("plan");
      assert.equal(plan.code, 2);
      assert.match(
        plan.out,
        /~ modifier question iae\/delai-de-reponse \(#\d+\) « Délai médian de réponse » \[dérive/,
      );
      assert.match(plan.out, /nom : « Délai de réponse \(9e décile\) » → « Délai médian de réponse »/);
      assert.match(plan.out, /- SELECT percentile_cont\(0\.9\)/);

      const dry = await cli("pull", "--dry-run");
      assert.equal(dry.code, 0, dry.err);
      assert.match(dry.out, /--- sql\/iae\/delai-de-reponse\.sql/);
      const file = path.join(root, "sql/iae/delai-de-reponse.sql");
      assert.doesNotMatch(await fs.readFile(file, "utf8"), /0\.9/);

      const pull = await cli("pull");
      assert.equal(pull.code, 0, pull.err);
      assert.match(
        pull.out,
        /^1 fichier mis à jour : sql\/iae\/delai-de-reponse\.sql\.\nRelisez-le \(git diff\)/,
      );
      const text = await fs.readFile(file, "utf8");
      assert.match(text, /^name: Délai de réponse \(9e décile\)$/m);
      assert.match(text, /^SELECT percentile_cont\(0\.9\)/m);

      // The files now say what Metabase says: only the new content version is left to record.
      const after = await cli("plan");
      assert.equal(after.code, 2);
      assert.match(after.out, /· enregistrer question iae\/delai-de-reponse/);
      assert.doesNotMatch(after.out, /~ modifier/);
      assert.equal((await cli("apply")).code, 0);
      assert.equal((await cli("plan")).code, 0);
    });

    it("restores a dashboard archived in Metabase with the same id", async () => {
      const before = managedDashboard("territoire");
      server.archiveDashboard(before.id);
      const plan = await cli("plan");
      assert.equal(plan.code, 2);
      assert.match(plan.out, new RegExp(`↺ restaurer tableau de bord territoire \\(#${before.id}\\)`));
      const apply = await cli("apply");
      assert.equal(apply.code, 0, apply.err);
      const restored = server.state.dashboards.get(before.id)!;
      assert.equal(restored.archived, false);
      assert.equal(dashboards().length, 2);
      assert.equal(
        await verifiedDashboardId(db, "territoire", await contentVersion("territoire")),
        before.id,
      );
    });

    it("restores a managed collection sent to the Trash with its contents, every id kept", async () => {
      const iae = [...server.state.collections.values()].find(
        (c) => readMarker(c.description).key === "iae",
      )!;
      const inside = cards()
        .filter((c) => c.collection_id === iae.id && !c.archived)
        .map((c) => c.id);
      server.archiveCollection(iae.id);
      assert.ok(inside.every((id) => server.state.cards.get(id)!.archived));
      const plan = await cli("plan");
      assert.equal(plan.code, 2);
      assert.match(plan.out, new RegExp(`↺ restaurer collection iae \\(#${iae.id}\\)`));
      assert.equal((await cli("apply")).code, 0);
      assert.equal(server.state.collections.get(iae.id)!.archived, false);
      assert.ok(inside.every((id) => !server.state.cards.get(id)!.archived));
      assert.equal(managedDashboard("territoire").archived, false);
      assert.equal((await cli("plan")).code, 0);
    });

    it("detects a lock switched to editable in Metabase, stops the gateway from signing, and restores it", async () => {
      const dashboard = managedDashboard("territoire");
      const version = await contentVersion("territoire");
      server.setEmbeddingParam("dashboard", dashboard.id, "departement", "enabled");

      const plan = await cli("plan");
      // A broken lock is a failure (1), not a pending change (2).
      assert.equal(plan.code, 1);
      assert.match(plan.out, /VERROU departement : modifiable → verrouillé/);
      assert.match(plan.err, /Contrat de verrouillage rompu dans Metabase pour territoire/);
      assert.equal(await verifiedDashboardId(db, "territoire", version), undefined);

      const apply = await cli("apply");
      assert.equal(apply.code, 0, apply.err);
      assert.deepEqual(server.state.dashboards.get(dashboard.id)!.embedding_params, {
        departement: "locked",
        periode: "enabled",
      });
      assert.equal(await verifiedDashboardId(db, "territoire", version), dashboard.id);
    });

    it("re-reads a dashboard whose card was unwired in the UI: plan reports it, stops the gateway from signing and exits 1", async () => {
      const dashboard = managedDashboard("territoire");
      const version = await contentVersion("territoire");
      assert.equal(await verifiedDashboardId(db, "territoire", version), dashboard.id);
      // What the UI sends when someone removes a card's link to the locked filter: the whole dashcard list.
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${server.url}${path}`, {
          ...init,
          headers: { "content-type": "application/json", "x-api-key": server.adminApiKey },
        });
      const current = (await (await api(`/api/dashboard/${dashboard.id}`)).json()) as {
        dashcards: Array<Record<string, unknown>>;
      };
      const dashcards = current.dashcards.map((dashcard, i) =>
        i === 1 ? { ...dashcard, parameter_mappings: [] } : dashcard,
      );
      const saved = await api(`/api/dashboard/${dashboard.id}`, {
        method: "PUT",
        body: JSON.stringify({ dashcards }),
      });
      assert.equal(saved.status, 200, await saved.text());
      // The list still says "locked": only the full read shows the breach.
      assert.deepEqual(server.state.dashboards.get(dashboard.id)!.embedding_params, {
        departement: "locked",
        periode: "enabled",
      });

      const plan = await cli("plan");
      assert.equal(plan.code, 1, plan.err);
      assert.match(
        plan.out,
        /Contrats de verrouillage rompus dans Metabase \(la passerelle ne signe plus de jeton pour ces tableaux\) :\n  territoire \(#\d+\) :\n    - la carte « Délai de réponse \(9e décile\) » \(#\d+\) n'est pas reliée au filtre verrouillé « departement »/,
      );
      assert.match(plan.err, /Contrat de verrouillage rompu dans Metabase pour territoire/);
      assert.equal(await verifiedDashboardId(db, "territoire", version), undefined);

      assert.equal((await cli("apply")).code, 0);
      assert.equal(await verifiedDashboardId(db, "territoire", version), dashboard.id);
      assert.equal((await cli("plan")).code, 0);
    });

    it("fails the run when what Metabase returns breaks the lock contract, and leaves the dashboard unverified", async () => {
      const dashboard = managedDashboard("territoire");
      const version = await contentVersion("territoire");
      // Metabase answering a dashboard whose second card lost its wiring to the locked filter.
      proxy.tamper = (request, body) => {
        if (request.method !== "GET" || request.path !== `/api/dashboard/${dashboard.id}`) return body;
        const copy = structuredClone(body) as { dashcards: Array<{ parameter_mappings: unknown[] }> };
        copy.dashcards[1]!.parameter_mappings = [];
        return copy;
      };
      try {
        const apply = await cli("apply");
        assert.equal(apply.code, 1);
        assert.match(apply.err, /Contrat de verrouillage rompu dans Metabase après écriture/);
        assert.match(
          apply.err,
          /territoire \(#\d+\) : la carte « Délai de réponse \(9e décile\) » \(#\d+\) n'est pas reliée au filtre verrouillé « departement »/,
        );
        assert.equal(await verifiedDashboardId(db, "territoire", version), undefined);
      } finally {
        proxy.tamper = undefined;
      }
      assert.equal((await cli("apply")).code, 0);
      assert.equal(await verifiedDashboardId(db, "territoire", version), dashboard.id);
    });

    it("never modifies or archives an object made by hand, even with the same name; archives what left the files", async () => {
      const original = managedCard("iae/brouillon");
      const handMade = async (collectionId: number | null) => {
        const response = await fetch(`${server.url}/api/card`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": server.adminApiKey },
          body: JSON.stringify({
            name: original.name,
            display: "table",
            visualization_settings: {},
            collection_id: collectionId,
            dataset_query: {
              database: server.warehouseDatabaseId,
              type: "native",
              native: { query: "SELECT 1" },
            },
          }),
        });
        assert.equal(response.status, 200);
        return ((await response.json()) as { id: number }).id;
      };
      const elsewhere = await handMade(null);
      const inside = await handMade(original.collection_id);
      const snapshot = (id: number) => structuredClone(server.state.cards.get(id));
      const before = [snapshot(elsewhere), snapshot(inside)];

      await fs.rm(path.join(root, "sql/iae/brouillon.sql"));
      const plan = await cli("plan");
      assert.equal(plan.code, 2);
      assert.match(plan.out, new RegExp(`- archiver question iae/brouillon \\(#${original.id}\\)`));
      assert.match(
        plan.out,
        new RegExp(
          `Objets créés à la main dans les collections gérées, laissés tels quels : question #${inside} `,
        ),
      );
      assert.equal((await cli("apply")).code, 0);

      assert.equal(server.state.cards.get(original.id)!.archived, true);
      assert.deepEqual([snapshot(elsewhere), snapshot(inside)], before);
      assert.equal((await cli("plan")).code, 0);
    });

    it("re-binds every object from the managed collections when the mapping table is lost", async () => {
      const ids = new Map((await readStoredObjects(db)).map((o) => [`${o.model}:${o.key}`, o.metabaseId]));
      await db.query("DELETE FROM metabase_objects");
      const plan = await cli("plan");
      assert.equal(plan.code, 2);
      assert.doesNotMatch(plan.out, /\+ créer/);
      const counts = [cards().length, dashboards().length, server.state.collections.size];
      assert.equal((await cli("apply")).code, 0);
      assert.deepEqual([cards().length, dashboards().length, server.state.collections.size], counts);
      const rebound = new Map(
        (await readStoredObjects(db)).map((o) => [`${o.model}:${o.key}`, o.metabaseId]),
      );
      for (const [key, id] of rebound) if (ids.has(key)) assert.equal(id, ids.get(key), key);
      assert.equal((await cli("plan")).code, 0);
    });

    it("unverifies the dashboards it is about to rewrite: an apply stopped in a card leaves them unsigned until a rerun", async () => {
      const file = path.join(root, "sql/iae/delai-de-reponse.sql");
      await fs.writeFile(
        file,
        (await fs.readFile(file, "utf8")).replace(/^name: .*$/m, "name: Délai de réponse, en jours"),
      );
      const cardId = managedCard("iae/delai-de-reponse").id;
      const version = await contentVersion("territoire");
      assert.equal(await verifiedDashboardId(db, "territoire", version), managedDashboard("territoire").id);
      proxy.fail = (request) =>
        request.method === "PUT" && request.path === `/api/card/${cardId}`
          ? { status: 503, body: "Metabase is restarting" }
          : undefined;
      try {
        const stopped = await cli("apply");
        assert.equal(stopped.code, 4, stopped.out + stopped.err);
      } finally {
        proxy.fail = undefined;
      }
      // The card the territoire dashboard shows may be half-written: no gateway may sign for it.
      assert.equal(await verifiedDashboardId(db, "territoire", version), undefined);
      const rerun = await cli("apply");
      assert.equal(rerun.code, 0, rerun.err);
      assert.equal(
        await verifiedDashboardId(db, "territoire", await contentVersion("territoire")),
        managedDashboard("territoire").id,
      );
    });

    it("stops midway with a message saying what to do, and a rerun converges without duplicates", async () => {
      await fs.writeFile(
        path.join(root, "sql/iae/nouvelle.sql"),
        "/* ---\nname: Nouvelle question\ncollection: iae\ndisplay: table\n--- */\nSELECT 1 AS un\n",
      );
      await fs.writeFile(
        path.join(root, "sql/iae/autre.sql"),
        "/* ---\nname: Autre question\ncollection: iae\ndisplay: table\n--- */\nSELECT 2 AS deux\n",
      );
      let posts = 0;
      proxy.fail = (request) => {
        // The second card's embedding PUT fails: the first card is complete, the second half-written.
        if (request.method === "POST" && request.path === "/api/card") posts++;
        return request.method === "PUT" && request.path.startsWith("/api/card/") && posts === 2
          ? { status: 503, body: "Metabase is restarting" }
          : undefined;
      };
      let failed: Awaited<ReturnType<typeof cli>>;
      try {
        failed = await cli("apply");
      } finally {
        proxy.fail = undefined;
      }
      assert.equal(failed.code, 4);
      assert.match(
        failed.err,
        /Arrêt sur question iae\/\w+ \(create\) : Metabase a refusé PUT \/api\/card\/\d+ \(HTTP 503\)/,
      );
      assert.match(failed.err, /relancez `pilotage apply`, qui reprendra là où il s'est arrêté/);

      const rerun = await cli("apply");
      assert.equal(rerun.code, 0, rerun.err);
      for (const key of ["iae/nouvelle", "iae/autre"]) {
        const owned = cards().filter((c) => readMarker(c.description).key === key);
        assert.equal(owned.length, 1, key);
        assert.equal(owned[0]!.enable_embedding, true, key);
      }
      assert.equal((await cli("plan")).code, 0);
    });

    it("refuses a Metabase older than the tested range before touching anything", async () => {
      proxy.tamper = (request, body) =>
        request.path === "/api/session/properties"
          ? { ...(body as object), version: { tag: "v0.49.14" } }
          : body;
      proxy.requests.length = 0;
      let old: Awaited<ReturnType<typeof cli>>;
      try {
        old = await cli("apply");
      } finally {
        proxy.tamper = undefined;
      }
      assert.equal(old.code, 1, old.err);
      assert.match(
        old.err,
        /Metabase v0\.49\.14 est trop ancien : la synchronisation demande la version 0\.50 ou plus récente \(versions vérifiées : 0\.50\.3, 0\.53\.9 et 0\.57\.2\)/,
      );
      assert.deepEqual(
        proxy.requests.map((r) => `${r.method} ${r.path}`),
        ["GET /api/session/properties"],
      );
    });

    it("says what is wrong with the instance before touching anything", async () => {
      const cases: Array<[Record<string, string>, number, RegExp]> = [
        [{ METABASE_API_KEY: server.nonAdminApiKey }, 1, /ne sont pas ceux d'un administrateur Metabase/],
        [{ METABASE_API_KEY: "mb_wrong" }, 4, /Metabase refuse les identifiants/],
        [
          { METABASE_WAREHOUSE_DATABASE: "Entrepot" },
          1,
          /Aucune base nommée « Entrepot » dans Metabase \(bases connues : « Sample Database », « Entrepôt Pilotage »\)/,
        ],
        [{ METABASE_SITE_URL: "http://127.0.0.1:9" }, 4, /Metabase ne répond pas/],
        [
          { METABASE_API_KEY: "", METABASE_USERNAME: "", METABASE_PASSWORD: "" },
          3,
          /METABASE_API_KEY : requise pour synchroniser/,
        ],
      ];
      const saved = env;
      try {
        for (const [patch, code, message] of cases) {
          env = { ...saved, ...patch };
          const result = await cli("plan");
          assert.equal(result.code, code, `${JSON.stringify(patch)}: ${result.err}`);
          assert.match(result.err, message);
        }
        env = {
          ...saved,
          METABASE_API_KEY: "",
          METABASE_USERNAME: server.admin.email,
          METABASE_PASSWORD: server.admin.password,
        };
        assert.equal((await cli("plan")).code, 0, "a user session works as well as an API key");

        env = saved;
        server.setSetting(server.features.embeddingSetting, false);
        const off = await cli("apply");
        assert.equal(off.code, 1);
        assert.match(
          off.err,
          new RegExp(
            `L'intégration statique est désactivée dans Metabase \\(réglage ${server.features.embeddingSetting}\\)`,
          ),
        );
      } finally {
        env = saved;
        server.setSetting(server.features.embeddingSetting, true);
      }

      await warehouse.exec("ALTER TABLE entrepot.structures RENAME COLUMN departement TO dep");
      await server.syncWarehouse();
      try {
        const unknown = await cli("plan");
        assert.equal(unknown.code, 1);
        assert.match(
          unknown.err,
          /La colonne entrepot\.structures\.departement \(filtre de public\/structures-par-type\) est inconnue de Metabase/,
        );
      } finally {
        await warehouse.exec("ALTER TABLE entrepot.structures RENAME COLUMN dep TO departement");
        await server.syncWarehouse();
      }
    });
  });
}

describe("pilotage apply of the repository's own catalogue (Metabase test server v0.57.2)", function () {
  this.timeout(60_000);
  it("applies sql/ and metabase-config/ on the warehouse schema, then plans no change", async () => {
    const { db: warehouse, drop: dropWarehouse } = await openFreshWarehouse("mbrepo");
    const gatewayDb = await createTestDatabase("mbrepogw");
    await warehouse.exec(await fs.readFile(path.join(PROJECT_ROOT, "src/warehouse/schema.sql"), "utf8"));
    const server = await createMetabaseTestServer({
      version: "v0.57.2",
      warehouse,
      warehouseName: WAREHOUSE_NAME,
      warehouseScope: { schemas: ["entrepot"] },
    });
    const proxy = await startMetabaseProxy(server);
    try {
      const env = {
        LOG_LEVEL: "silent",
        DATABASE_URL: gatewayDb.url,
        METABASE_SITE_URL: proxy.url,
        METABASE_EMBEDDING_SECRET_KEY: randomBytes(32).toString("hex"),
        METABASE_API_KEY: server.adminApiKey,
      };
      const run = async (command: string) => {
        const captured = { out: "", err: "" };
        const code = await runCli([command], {
          env,
          stdout: (text) => void (captured.out += text),
          stderr: (text) => void (captured.err += text),
        });
        return { code, ...captured };
      };
      const apply = await run("apply");
      assert.equal(apply.code, 0, apply.err);
      const plan = await run("plan");
      assert.equal(plan.code, 0, plan.out);
      assert.match(plan.out, /Aucun changement/);
    } finally {
      await proxy.close();
      await server.close();
      await warehouse.close();
      await gatewayDb.drop();
      await dropWarehouse();
    }
  });
});
