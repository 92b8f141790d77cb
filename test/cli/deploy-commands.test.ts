import assert from "node:assert/strict";
import fs from "node:fs";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { MIGRATIONS_DIR } from "../../src/storage/migrations.js";
import { openDatabase } from "../../src/storage/database.js";
import { createTestDatabase } from "../support/services.js";

/**
 * The commands deploy/init.sh runs under NODE_ENV=production, before the gateways start (the compose
 * stack's init service, `npm run stack`): `pilotage migrate`, and `pilotage seed` for a demonstration.
 */
function io(env: Record<string, string>): CliIo & { out: string; err: string } {
  const captured = {
    out: "",
    err: "",
    env,
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  };
  return captured;
}

describe("deployment commands", function () {
  this.timeout(120_000);

  describe("pilotage migrate", () => {
    it("applies every migration once, then says the database is up to date", async () => {
      const fresh = await createTestDatabase("migrate");
      try {
        const env = { NODE_ENV: "production", DATABASE_URL: fresh.url };
        const first = io(env);
        assert.equal(await runCli(["migrate", "--json"], first), 0, first.err);
        const files = fs
          .readdirSync(MIGRATIONS_DIR)
          .filter((f) => f.endsWith(".sql"))
          .sort();
        const host = new URL(fresh.url);
        assert.deepEqual(JSON.parse(first.out), {
          target: `Postgres ${host.host}${host.pathname}`,
          applied: files,
          alreadyApplied: 0,
        });
        const second = io(env);
        assert.equal(await runCli(["migrate"], second), 0, second.err);
        assert.equal(
          second.out,
          `Base de la passerelle (Postgres ${host.host}${host.pathname}) à jour : ${files.length} migrations déjà appliquées.\n`,
        );
      } finally {
        await fresh.drop();
      }
    });

    it("refuses PGlite in production, and says what to set", async () => {
      const out = io({ NODE_ENV: "production" });
      assert.equal(await runCli(["migrate"], out), 3);
      assert.equal(
        out.err,
        "Configuration invalide :\n" +
          "  - DATABASE_URL : obligatoire en production (la base de la passerelle : accès, table metabase_objects)\n" +
          "Corrigez ces variables (voir .env.example) puis relancez.\n",
      );
    });

    it("says what to check when the gateway database cannot be reached, as every command on it does", async () => {
      for (const command of [["migrate"], ["grants", "list"]]) {
        const out = io({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", LOG_LEVEL: "silent" });
        assert.equal(await runCli(command, out), 4, command.join(" "));
        assert.equal(
          out.err,
          "Impossible de joindre la base de la passerelle (Postgres 127.0.0.1:1/none) : La base de données du service " +
            "ne répond pas pour le moment : votre demande n'a pas pu aboutir. Réessayez dans quelques instants. " +
            "Vérifiez que Postgres tourne et la variable DATABASE_URL.\n",
          command.join(" "),
        );
      }
    });
  });

  describe("pilotage seed under NODE_ENV=production", () => {
    it("is refused unless the demonstration is declared with PILOTAGE_SEED_DEMO_DATA=1", async () => {
      const out = io({ NODE_ENV: "production", WAREHOUSE_URL: "postgres://nobody@127.0.0.1:1/nothing" });
      assert.equal(await runCli(["seed"], out), 3);
      assert.equal(
        out.err,
        "« pilotage seed » remplace l'entrepôt par des données synthétiques : il est refusé avec NODE_ENV=production. " +
          "Pour une démonstration (jamais sur de vraies données), déclarez-la : PILOTAGE_SEED_DEMO_DATA=1.\n",
      );
    });

    it("seeds once with --if-needed, and gives the demo staff grant once with --demo-grants", async () => {
      const warehouse = await createTestDatabase("seedprod");
      const gateway = await createTestDatabase("seedgw");
      try {
        const env = {
          NODE_ENV: "production",
          PILOTAGE_SEED_DEMO_DATA: "1",
          WAREHOUSE_URL: warehouse.url,
          DATABASE_URL: gateway.url,
        };
        const args = ["seed", "--if-needed", "--demo-grants", "--scale", "0.02"];
        const first = io(env);
        assert.equal(await runCli(args, first), 0, first.err);
        assert.match(first.out, /^Entrepôt rempli \(Postgres [^)]+\), version /);
        assert.match(first.err, /accès d'administration de admin@demo\.pilotage\.test en place/);
        const second = io(env);
        assert.equal(await runCli(args, second), 0, second.err);
        assert.match(second.out, /^Entrepôt déjà rempli \(Postgres [^)]+\), version [^ ]+ : inchangé\.\n$/);

        // One load (the load marker is written by each seed), one grant.
        const wh = await openDatabase({ name: "warehouse", url: warehouse.url, pgliteDataDir: "memory://" });
        const loads = await wh.query<{ n: number }>("SELECT count(*)::int AS n FROM entrepot.chargements");
        await wh.close();
        assert.equal(loads.rows[0]?.n, 1);
        const gw = await openDatabase({ name: "gateway", url: gateway.url, pgliteDataDir: "memory://" });
        const grants = await gw.query<{ kind: string; by: string }>(
          "SELECT kind, granted_by AS by FROM grants WHERE subject_email = 'admin@demo.pilotage.test'",
        );
        await gw.close();
        assert.deepEqual(grants.rows, [{ kind: "staff", by: "demo" }]);

        // Another scale is other data: --if-needed seeds again.
        const rescaled = io(env);
        assert.equal(await runCli(["seed", "--if-needed", "--scale", "0.03"], rescaled), 0, rescaled.err);
        assert.match(rescaled.out, /^Entrepôt rempli/);
      } finally {
        await Promise.all([warehouse.drop(), gateway.drop()]);
      }
    });
  });
});
