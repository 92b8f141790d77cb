import assert from "node:assert/strict";
import { runCli } from "../../src/cli/run.js";
import { missingColumnProblems } from "../../src/metabase/preflight.js";
import type { Database } from "../../src/storage/database.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";
import { createMetabaseTestServer } from "../support/metabase-server/index.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/** Issue 18: columns Metabase does not know, said once per missing schema or table, not once per column. */
describe("preflight: field-filter columns unknown to Metabase", () => {
  const tables = [
    { schema: "entrepot", name: "candidatures" },
    { schema: "entrepot", name: "structures" },
  ];

  it("says a missing schema once, a missing table once, and a missing column by itself", () => {
    const missing = new Map([
      ["annuaire.membres.departement", ["a/membres"]],
      ["annuaire.membres.id_structure", ["a/membres", "a/autre"]],
      ["entrepot.pass_iae.departement_structure", ["iae/pass"]],
      ["entrepot.pass_iae.date_debut", ["iae/pass"]],
      ["entrepot.candidatures.dep", ["iae/candidatures"]],
    ]);
    assert.deepEqual(missingColumnProblems(missing, tables, "Entrepôt Pilotage"), [
      "Le schéma annuaire est inconnu de Metabase dans « Entrepôt Pilotage » (2 colonnes filtrées, par a/autre, a/membres) : vérifiez que le rôle de Metabase peut le lire (GRANT USAGE ON SCHEMA annuaire, GRANT SELECT ON ALL TABLES IN SCHEMA annuaire) et que les filtres de schémas de la base l'incluent, puis lancez « Synchroniser le schéma » dans Admin > Bases de données.",
      "La colonne entrepot.candidatures.dep (filtre de iae/candidatures) est inconnue de Metabase dans « Entrepôt Pilotage » : vérifiez son nom, puis lancez « Synchroniser le schéma » dans Admin > Bases de données.",
      "La table entrepot.pass_iae est inconnue de Metabase dans « Entrepôt Pilotage » (2 colonnes filtrées, par iae/pass) : vérifiez son nom et que le rôle de Metabase peut la lire, puis lancez « Synchroniser le schéma » dans Admin > Bases de données.",
    ]);
  });

  describe("against the test server, the repository's catalogue", function () {
    this.timeout(60_000);
    let warehouse: Database;
    let gateway: MigratedGateway;

    before(async () => {
      warehouse = await openTestWarehouse();
      gateway = await openMigratedGateway("preflight_gw");
      // Only the CLI uses the database, through its URL.
      await gateway.db.close();
    });

    after(async () => {
      await warehouse?.close();
      await gateway?.drop();
    });

    it("is one line when Metabase cannot see the warehouse's schema at all", async () => {
      // Metabase's scan sees `public` only: what a role without USAGE on entrepot, or a schema filter
      // that leaves it out, looks like from the sync.
      const server = await createMetabaseTestServer({ warehouse, warehouseScope: { schemas: ["public"] } });
      try {
        let err = "";
        const code = await runCli(["plan"], {
          env: {
            LOG_LEVEL: "silent",
            DATABASE_URL: gateway.url,
            METABASE_INTERNAL_URL: server.url,
            METABASE_API_KEY: server.adminApiKey,
          },
          stdout: () => {},
          stderr: (text) => void (err += text),
        });
        assert.equal(code, 1, err);
        const lines = err.trimEnd().split("\n");
        assert.equal(lines[0], "Metabase n'est pas prêt pour la synchronisation :");
        assert.equal(lines.length, 2, err);
        assert.match(
          lines[1]!,
          /^ {2}- Le schéma entrepot est inconnu de Metabase dans « Entrepôt Pilotage » \(\d+ colonnes filtrées, par /,
        );
      } finally {
        await server.close();
      }
    });
  });
});
